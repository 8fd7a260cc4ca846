// `josh worker`: serves the product's task queues (workflows + tool activities on the main queue,
// LLM calls on the LLM queue) against whatever cluster the connection settings name. Run as many
// as you like, on as many machines; they share work through Temporal.
import type { Command } from 'commander';
import { z } from 'zod';
import { LlmLimits } from '../../config/llmLimits';
import { UserError } from '../../util/errors';
import { MAIN_TASK_QUEUE } from '../../shared/taskQueues';
import { addConnectionOptions, type ConnectionOptionFlags } from '../connectionOptions';

export const WorkerFlags = z.object({
  dataDir: z.string().optional(),
  runsDir: z.string().min(1),
  ...LlmLimits.shape,
  shutdownGrace: z.coerce.number().min(0).max(3600),
  taskQueue: z.string().regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  prompts: z.string().optional(),
  models: z.string().min(1).optional(),
});
type WorkerFlags = z.input<typeof WorkerFlags> & ConnectionOptionFlags;

/** The variables that give a worker flag its default. */
const VARIABLE_OF: Partial<Record<string, string>> = {
  runsDir: 'JOSH_RUNS_DIR',
  llmConcurrency: 'JOSH_LLM_CONCURRENCY',
  llmRate: 'JOSH_LLM_RATE',
  taskQueue: 'JOSH_TASK_QUEUE',
  prompts: 'JOSH_PROMPTS_FILE',
  models: 'JOSH_MODELS_FILE',
};

/** A bad worker setting in the words its user typed: the flag, or the variable it came from
 * (`JOSH_LLM_CONCURRENCY=abc` said "llmConcurrency: expected number, received NaN"). */
function workerFlagError(err: z.ZodError, flags: WorkerFlags): string {
  const [issue] = err.issues;
  const key = String(issue.path[0]);
  const value = (flags as unknown as Record<string, unknown>)[key];
  const variable = VARIABLE_OF[key];
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const given = variable !== undefined && process.env[variable] === value ? variable : flag;
  const message =
    issue.code === 'invalid_type' && issue.expected === 'number' ? 'expected a number' : issue.message;
  return `josh worker: ${given}: ${message}, got "${String(value)}"`;
}

export function register(program: Command): void {
  addConnectionOptions(program.command('worker'))
    .description("Run a worker for josh's task queues (connects per TEMPORAL_* settings)")
    .option('--data-dir <dir>', 'dataset directory (default: JOSH_DATA_DIR, ./data, ../shared)')
    .option(
      '--runs-dir <dir>',
      'where run directories go, a shared volume across machines (JOSH_RUNS_DIR)',
      process.env.JOSH_RUNS_DIR || 'runs', // set but empty: unset, as for every JOSH_ variable
    )
    .option(
      '--llm-concurrency <n>',
      'max LLM calls in flight in this worker (JOSH_LLM_CONCURRENCY)',
      process.env.JOSH_LLM_CONCURRENCY || undefined,
    )
    .option(
      '--llm-rate <perSecond>',
      'max LLM calls started per second across all workers (JOSH_LLM_RATE)',
      process.env.JOSH_LLM_RATE || undefined,
    )
    .option('--shutdown-grace <seconds>', 'time running activities get to finish on Ctrl-C / SIGTERM', '30')
    .option(
      '--task-queue <name>',
      'main task queue; LLM calls use <name>-llm (JOSH_TASK_QUEUE)',
      process.env.JOSH_TASK_QUEUE || MAIN_TASK_QUEUE,
    )
    .option(
      '--prompts <file>',
      'prompts file replacing the built-in prompts (JOSH_PROMPTS_FILE)',
      process.env.JOSH_PROMPTS_FILE || undefined,
    )
    .option(
      '--models <file>',
      'models file: endpoint, key variable, prices per model name (JOSH_MODELS_FILE)',
      process.env.JOSH_MODELS_FILE || undefined,
    )
    .action(async (flags: WorkerFlags) => {
      const parsed = WorkerFlags.safeParse(flags);
      if (!parsed.success) throw new UserError(workerFlagError(parsed.error, flags));
      // Loaded on use: the Temporal worker and the activities, which `josh --help` need not load.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { work } = require('../workerRun') as typeof import('../workerRun');
      await work(parsed.data, flags);
    });
}
