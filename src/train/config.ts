// The input of `josh train` (the train workflow) and `josh loop` (the campaign workflow): one zod
// schema each, shared by the CLI, the typed client and the workflows (which load it lazily, as the
// harvest loads the run config: zod costs every workflow execution milliseconds to evaluate).
import { z } from 'zod';
import { ModelParams, SearchParams, strictObject } from '../config/run';
import { ENVIRONMENT_NAMES, DEFAULT_ENV } from '../env/registry';
import { EXPORT_FORMATS } from '../export/formats';

export const TRAIN_BACKENDS = ['openai', 'trl'] as const;
export type TrainBackend = (typeof TRAIN_BACKENDS)[number];

/** A workflow id that is also a directory name (as a run id). */
export const WorkflowIdString = z
  .string()
  .min(1)
  .max(160)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
  .regex(/^(?!\.+$)/, "not only dots: '.' and '..' are directory names");

/** OpenAI's hyperparameters are numbers or 'auto'; passed through as given. */
const Hyper = z.union([z.number().positive(), z.literal('auto')]);

export const OpenAiHyperparameters = strictObject({
  n_epochs: Hyper.optional(),
  batch_size: Hyper.optional(),
  learning_rate_multiplier: Hyper.optional(),
  /** DPO only. */
  beta: Hyper.optional(),
});

/** TRL options; the defaults are the paper's (KTO β 0.1, lr 5e-7; SFT lr 2e-5, 3 epochs). */
/** Seconds between two looks at a fine-tuning job (a durable timer: no worker slot is held). */
const PollSeconds = z.number().min(0.2).max(3600).default(30);

export const TrlOptions = strictObject({
  /** LoRA adapters instead of full fine-tuning (default on: fits one GPU). */
  lora: z.boolean().default(true),
  /** QLoRA: the base model loaded in 4 bits (needs bitsandbytes); implies LoRA. */
  qlora: z.boolean().default(false),
  loraR: z.number().int().min(1).max(1024).default(16),
  loraAlpha: z.number().int().min(1).max(4096).default(32),
  loraDropout: z.number().min(0).max(1).default(0.05),
  /** Default by method: SFT 2e-5, KTO 5e-7, DPO 5e-7. */
  learningRate: z.number().positive().optional(),
  /** Default by method: SFT 3, KTO 1, DPO 1. */
  epochs: z.number().positive().optional(),
  /** KTO and DPO β. */
  beta: z.number().positive().default(0.1),
  desirableWeight: z.number().positive().default(1.0),
  undesirableWeight: z.number().positive().default(1.0),
  batchSize: z.number().int().min(1).default(1),
  gradientAccumulation: z.number().int().min(1).default(8),
  maxLength: z.number().int().min(64).default(4096),
}).refine((o) => !(o.qlora && !o.lora), {
  // QLoRA is LoRA on a 4-bit base: both asked, the script and train.json would disagree.
  message: 'qlora trains LoRA adapters on a 4-bit base model; it cannot go with lora: false (--no-lora)',
  path: ['qlora'],
});
export type TrlOptions = z.output<typeof TrlOptions>;

export const TrainConfig = strictObject({
  /** Workflow id, and the name of the training directory. */
  id: WorkflowIdString,
  backend: z.enum(TRAIN_BACKENDS).default('openai'),
  /** The run directory to train on, as the worker sees it (a harvest's `runs/<id>`). */
  runDir: z.string().min(1),
  /** Export format. Default: openai-sft (backend openai), trl-sft (backend trl). */
  format: z.enum(EXPORT_FORMATS).optional(),
  includePartial: z.boolean().default(false),
  /** Keep at most this many examples (the first ones, in export order): equal-size comparisons. */
  maxExamples: z.number().int().min(1).optional(),
  /** The model to fine-tune. */
  baseModel: z.string().min(1).default('sim-agent'),
  /** OpenAI `suffix` (the fine-tuned model's name carries it); default a hash of the id. */
  suffix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only, at most 40')
    .optional(),
  seed: z.number().int().min(0).max(2147483647).optional(),
  hyperparameters: OpenAiHyperparameters.default({}),
  pollSeconds: PollSeconds,
  /** Where the exported file, the TRL script and train.json go (default `<runs>/<id>`). */
  outDir: z.string().min(1).optional(),
  trl: TrlOptions.default(TrlOptions.parse({})),
}).superRefine((c, ctx) => {
  const format = c.format ?? defaultFormat(c.backend);
  const ok = c.backend === 'openai' ? ['openai-sft', 'openai-dpo'] : ['trl-sft', 'trl-kto', 'trl-dpo'];
  if (!ok.includes(format)) {
    ctx.addIssue({
      code: 'custom',
      path: ['format'],
      message: `backend ${c.backend} trains on ${ok.join(' or ')}, not ${format}`,
    });
  }
});
export type TrainConfigInput = z.input<typeof TrainConfig>;
export type TrainConfig = z.output<typeof TrainConfig>;

export function defaultFormat(backend: TrainBackend): 'openai-sft' | 'trl-sft' {
  return backend === 'openai' ? 'openai-sft' : 'trl-sft';
}

/** A campaign: rounds of harvest → export → fine-tune → eval → compare. */
export const LoopConfig = strictObject({
  id: WorkflowIdString,
  env: z.enum(ENVIRONMENT_NAMES).default(DEFAULT_ENV),
  /** Harvest split (default: val) and eval split (default: test). */
  trainSplit: z.string().min(1).default('val'),
  testSplit: z.string().min(1).default('test'),
  trainLimit: z.number().int().min(1).optional(),
  testLimit: z.number().int().min(1).optional(),
  trainTaskIds: z.array(z.string().min(1)).min(1).optional(),
  testTaskIds: z.array(z.string().min(1)).min(1).optional(),
  /** At most this many rounds. */
  rounds: z.number().int().min(1).max(50).default(3),
  /** Go on to another round only while the eval success delta over the previous round is above
   * this (default 0: any improvement). */
  minImprovement: z.number().min(-1).max(1).default(0),
  /** The first round's agent model; each later round uses the previous round's fine-tuned one. */
  agentModel: ModelParams.shape.agentModel,
  userModel: ModelParams.shape.userModel,
  userSim: ModelParams.shape.userSim,
  agentStrategy: ModelParams.shape.agentStrategy,
  agentTemperature: ModelParams.shape.agentTemperature,
  concurrency: z.number().int().min(1).max(1000).default(8),
  seed: z.string().min(1).max(200).optional(),
  ...SearchParams.shape,
  /** Train on a baseline (beam 1) instead of a JOSH harvest: the control of the paper's claim. */
  harvestMode: z.enum(['harvest', 'baseline']).default('harvest'),
  format: z.enum(['openai-sft', 'openai-dpo']).default('openai-sft'),
  includePartial: z.boolean().default(false),
  maxExamples: z.number().int().min(1).optional(),
  hyperparameters: OpenAiHyperparameters.default({}),
  pollSeconds: PollSeconds,
  prices: z
    .record(z.string(), strictObject({ input: z.number().min(0), output: z.number().min(0) }))
    .optional(),
});
export type LoopConfigInput = z.input<typeof LoopConfig>;
export type LoopConfig = z.output<typeof LoopConfig>;
