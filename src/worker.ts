// The two Workers a `josh worker` process runs on one NativeConnection: the main queue
// (workflows + cheap activities) and the LLM queue (LLM activities only, so their concurrency and
// rate are capped per worker and across the cluster). Generic over the activity objects so tests
// can run it with fixtures; src/cli/commands/worker.ts wires the product's.
import type pino from 'pino';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import { LLM_TASK_QUEUE, MAIN_TASK_QUEUE } from './shared/taskQueues';
import { workflowBundle } from './temporal/workflowBundle';
import { CHECKPOINT_EVERY_MS } from './activities/checkpoint';

// Activities are plain async functions keyed by name; the SDK's own type is this loose as well.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ActivityFunctions = Record<string, (...args: any[]) => Promise<unknown>>;

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Module path of the workflows (bundled by the SDK), e.g. `require.resolve('./workflows')`. */
  workflowsPath: string;
  activities: { main: ActivityFunctions; llm: ActivityFunctions };
  /** Max LLM activities running at once in this worker. */
  llmConcurrency?: number;
  /** Max LLM activities started per second on the LLM task queue, across all its workers. */
  llmRate?: number;
  /** How long running activities get to finish after a shutdown signal. */
  shutdownGraceTime?: Duration;
  /** Overrides for tests that want their own queues. */
  taskQueues?: { main: string; llm: string };
  logger?: pino.Logger;
}

export interface JoshWorkers {
  main: Worker;
  llm: Worker;
}

export async function createWorkers(opts: WorkerOptions): Promise<JoshWorkers> {
  const queues = opts.taskQueues ?? { main: MAIN_TASK_QUEUE, llm: LLM_TASK_QUEUE };
  const shutdownGraceTime = opts.shutdownGraceTime ?? '30s';
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: queues.main,
    // Bundled once per version of the workflow code (cached): a restarted worker polls in seconds.
    workflowBundle: await workflowBundle(opts.workflowsPath, { logger: opts.logger }),
    activities: opts.activities.main,
    shutdownGraceTime,
  });
  const llm = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: queues.llm,
    activities: opts.activities.llm,
    shutdownGraceTime,
    // An agent turn heartbeats its progress after each model call (src/activities/checkpoint.ts);
    // the SDK holds heartbeats back for up to 0.8 × the heartbeat timeout (16 s), so a crash could
    // lose that much paid progress. CHECKPOINT_EVERY_MS (one second) bounds it at about one call.
    maxHeartbeatThrottleInterval: CHECKPOINT_EVERY_MS,
    // Only activities here: no workflow polling, so all slots serve LLM calls.
    ...(opts.llmConcurrency ? { maxConcurrentActivityTaskExecutions: opts.llmConcurrency } : {}),
    // Enforced by the server for the whole task queue, i.e. across every worker on it.
    ...(opts.llmRate ? { maxTaskQueueActivitiesPerSecond: opts.llmRate } : {}),
  });
  opts.logger?.info(
    {
      mainQueue: queues.main,
      llmQueue: queues.llm,
      llmConcurrency: opts.llmConcurrency,
      llmRate: opts.llmRate,
    },
    'workers created',
  );
  return { main, llm };
}

/**
 * Runs both workers until they stop. The SDK's Runtime already turns SIGINT/SIGTERM into a
 * graceful shutdown of every worker (polling stops, running activities get shutdownGraceTime);
 * if one worker fails, the other is shut down too so the process exits instead of half-running.
 */
export async function runWorkers(workers: JoshWorkers, logger?: pino.Logger): Promise<void> {
  const stopOther = (w: Worker) => () => {
    if (w.getState() === 'RUNNING') w.shutdown();
  };
  const results = await Promise.allSettled([
    workers.main.run().finally(stopOther(workers.llm)),
    workers.llm.run().finally(stopOther(workers.main)),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  logger?.info('workers stopped');
}
