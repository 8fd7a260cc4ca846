// `josh worker`: serves the product's task queues (workflows + tool activities on the main queue,
// LLM calls on the LLM queue) against whatever cluster the connection settings name. Run as many
// as you like, on as many machines; they share work through Temporal.
import type { Command } from 'commander';
import { z } from 'zod';
import { LlmLimits } from '../../config/llmLimits';
import { formatZodError } from '../../config/run';
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

export function register(program: Command): void {
  addConnectionOptions(program.command('worker'))
    .description("Run a worker for josh's task queues (connects per TEMPORAL_* settings)")
    .option('--data-dir <dir>', 'dataset directory (default: JOSH_DATA_DIR, ./data, ../shared)')
    .option(
      '--runs-dir <dir>',
      'where run directories go, a shared volume across machines (JOSH_RUNS_DIR)',
      process.env.JOSH_RUNS_DIR ?? 'runs',
    )
    .option(
      '--llm-concurrency <n>',
      'max LLM calls in flight in this worker (JOSH_LLM_CONCURRENCY)',
      process.env.JOSH_LLM_CONCURRENCY,
    )
    .option(
      '--llm-rate <perSecond>',
      'max LLM calls started per second across all workers (JOSH_LLM_RATE)',
      process.env.JOSH_LLM_RATE,
    )
    .option('--shutdown-grace <seconds>', 'time running activities get to finish on Ctrl-C / SIGTERM', '30')
    .option(
      '--task-queue <name>',
      'main task queue; LLM calls use <name>-llm (JOSH_TASK_QUEUE)',
      process.env.JOSH_TASK_QUEUE ?? MAIN_TASK_QUEUE,
    )
    .option(
      '--prompts <file>',
      'prompts file replacing the built-in prompts (JOSH_PROMPTS_FILE)',
      process.env.JOSH_PROMPTS_FILE,
    )
    .option(
      '--models <file>',
      'models file: endpoint, key variable, prices per model name (JOSH_MODELS_FILE)',
      process.env.JOSH_MODELS_FILE,
    )
    .action(async (flags: WorkerFlags) => {
      const parsed = WorkerFlags.safeParse(flags);
      if (!parsed.success) throw new UserError(formatZodError('josh worker', parsed.error));
      // Loaded on use: the Temporal worker and the activities, which `josh --help` need not load.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { work } = require('../workerRun') as typeof import('../workerRun');
      await work(parsed.data, flags);
    });
}
