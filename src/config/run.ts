// The one definition of a run's input: the CLI, the typed client API, `temporal workflow start`
// JSON and the harvest workflow all use this schema. Secrets are never part of it: API keys live
// only in the worker's environment.
import { z } from 'zod';

export const RUN_MODES = ['harvest', 'baseline', 'eval'] as const;

export const SearchParams = z.object({
  beamSize: z.number().int().min(1).max(64).default(8),
  branching: z.number().int().min(1).max(8).default(2),
  maxSteps: z.number().int().min(1).max(100).default(15),
  maxAgentCallsPerTurn: z.number().int().min(1).max(20).default(3),
});

export const ModelParams = z.object({
  /** Model names; '' means the worker's default (the simulated model when no endpoint is set). */
  agentModel: z.string().default('sim-agent'),
  userModel: z.string().default('sim-user'),
  /** JOSH needs sampling for diversity; 0 is refused for harvests (see refine below). */
  agentTemperature: z.number().min(0).max(2).default(1.0),
  userSim: z.enum(['goal', 'guide', 'script']).default('goal'),
  agentStrategy: z.enum(['function-calling', 'react']).default('function-calling'),
});

export const RunConfig = z
  .object({
    /** Run id: workflow id of the harvest/eval, run directory name, seed root. */
    id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
    mode: z.enum(RUN_MODES).default('harvest'),
    /** Root of every agent sampling seed; default the run id. Two runs with the same seed and
     * settings produce the same transcripts (the simulated model is deterministic per seed). */
    seed: z.string().min(1).max(200).optional(),
    env: z.enum(['toolwoz']).default('toolwoz'),
    split: z.string().default('val'),
    /** Explicit task ids; otherwise the split from `start`, at most `limit`. */
    taskIds: z.array(z.string().min(1)).optional(),
    start: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).optional(),
    includeUnsolvable: z.boolean().default(false),
    /** Evaluation trials per task (pass^k); harvests use 1. */
    trials: z.number().int().min(1).max(32).default(1),
    concurrency: z.number().int().min(1).max(1000).default(8),
    /** Stop starting conversations once this many LLM calls were made (a budget). */
    maxLlmCalls: z.number().int().min(1).optional(),
    /** Where result files go, as the worker sees it (a shared volume across machines). */
    outDir: z.string().min(1).optional(),
    /** USD per 1M tokens, for a cost estimate. */
    prices: z
      .record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }))
      .optional(),
  })
  .merge(SearchParams)
  .merge(ModelParams)
  .superRefine((c, ctx) => {
    if (c.mode === 'harvest' && c.agentTemperature === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['agentTemperature'],
        message: 'JOSH needs a sampling agent: temperature 0 gives identical branches',
      });
    }
  });

export type RunConfigInput = z.input<typeof RunConfig>;
export type RunConfig = z.output<typeof RunConfig>;

/** Search parameters as a run mode implies them (zod-free, for workflow code). */
export { effectiveSearch } from './search';

/** Which tasks a run covers: the input of task resolution (the CLI's pre-check and the workflow). */
export function taskSelection(c: RunConfig) {
  const { env, split, taskIds, start, limit, includeUnsolvable } = c;
  return { env, split, taskIds, start, limit, includeUnsolvable };
}

/** Format zod issues as one line per problem: `where: field: expectation`. */
export function formatZodError(where: string, err: z.ZodError): string {
  return err.issues
    .map((i) => `${where}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('\n');
}
