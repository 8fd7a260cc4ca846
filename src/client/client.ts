// The typed client API another service imports: start harvests and evals from a config object
// (checked by the one RunConfig schema), watch and control them, list them, and schedule them.
// Everything goes through Temporal; nothing here needs a worker in the calling process.
import {
  CancelledFailure,
  Client,
  QueryNotRegisteredError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { connectClient, resolveConnectionConfig, type ConnectionFlags } from '../config/connection';
import type { RunConfig } from '../config/run';
import {
  FINAL_PROGRESS_MEMO,
  HARVEST_WORKFLOW_TYPE,
  pauseSignal,
  progressQuery,
  resumeSignal,
  setConcurrencyUpdate,
  type ConcurrencyChange,
  type HarvestProgress,
} from '../shared/harvestApi';
import { MAIN_TASK_QUEUE } from '../shared/taskQueues';
import { startOrAttach, type StartOutcome } from '../runtime/startRun';
import { parseStartConfig, type StartConfig } from './config';
import { RunControlError, RunFailedError, RunNotFoundError } from './errors';
import { listRunsQuery, runSummaryOf, type ListRunsOptions, type RunSummary } from './runs';
import {
  createSchedule,
  describeSchedule,
  listSchedules,
  scheduleCall,
  type CreateScheduleOptions,
  type ScheduleInfo,
} from './schedules';

export interface ConnectOptions extends ConnectionFlags {
  /** Task queue the josh workers serve (default JOSH_TASK_QUEUE, else `josh`). */
  taskQueue?: string;
  /** Where TEMPORAL_* settings are read from when an option is left out (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the cluster before giving up (default 5 s). */
  connectTimeoutMs?: number;
}

export interface StartedRun {
  id: string;
  /** `started` a new run; `attached` to the one running under that id; `already-done`: it
   * finished before (same id, same run); `restarted` one that had failed or been cancelled,
   * keeping its finished conversations. */
  outcome: StartOutcome;
  /** The config as validated (defaults filled in); for `attached`/`already-done`, the one asked
   * for, which is not necessarily the one the existing run has. */
  config: RunConfig;
}

export interface RunDetails extends RunSummary {
  /** The run's config as the workflow recorded it. */
  config: RunConfig | null;
  /** Live progress while it runs, final progress once done or cancelled; null if unavailable. */
  progress: HarvestProgress | null;
}

/** Connects to Temporal (flags, else TEMPORAL_* variables, else localhost:7233 / default). */
export async function connect(options: ConnectOptions = {}): Promise<JoshClient> {
  const { taskQueue, env, connectTimeoutMs, ...flags } = options;
  const vars = env ?? process.env;
  const settings = resolveConnectionConfig(flags, vars);
  const connection = await connectClient(settings, connectTimeoutMs);
  const client = new Client({ connection, namespace: settings.namespace });
  return new JoshClient(client, {
    taskQueue: taskQueue ?? (vars.JOSH_TASK_QUEUE || undefined),
    ownsConnection: true,
  });
}

export class JoshClient {
  /** The underlying Temporal client, for anything this API does not cover. */
  readonly temporal: Client;
  readonly taskQueue: string;
  private readonly ownsConnection: boolean;

  /** Wraps a Temporal client you already have (it stays yours to close). */
  constructor(client: Client, opts: { taskQueue?: string; ownsConnection?: boolean } = {}) {
    this.temporal = client;
    this.taskQueue = opts.taskQueue ?? MAIN_TASK_QUEUE;
    this.ownsConnection = opts.ownsConnection ?? false;
  }

  /** Starts a harvest (mode `harvest`, or `baseline`); idempotent per id. */
  async startHarvest(config: StartConfig): Promise<StartedRun> {
    return this.start(parseStartConfig(config, 'harvest', 'harvest config'));
  }

  /** Starts an evaluation (mode `eval`: one rollout per task and trial); idempotent per id. */
  async startEval(config: StartConfig): Promise<StartedRun> {
    return this.start(parseStartConfig(config, 'eval', 'eval config'));
  }

  /** Progress of a running run, or the final progress of a finished or cancelled one. */
  async getProgress(id: string): Promise<HarvestProgress> {
    const d = await this.describe(id);
    if (d.status.name === 'RUNNING') return this.queryProgress(id);
    if (d.status.name === 'COMPLETED') return this.waitForResult(id);
    const final = finalProgressOf(d);
    if (final) return final;
    const status = d.status.name.toLowerCase();
    throw new RunFailedError(id, status, `run ${id} ended ${status}`);
  }

  /** Waits for the run to end: its final progress (status `done`, `budget-stopped` or
   * `cancelled`); a RunFailedError if its workflow failed, was terminated or timed out. */
  async waitForResult(id: string): Promise<HarvestProgress> {
    try {
      return (await this.handle(id).result()) as HarvestProgress;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(id);
      if (!(err instanceof WorkflowFailedError)) throw err;
      if (err.cause instanceof CancelledFailure) {
        const final = finalProgressOf(await this.describe(id));
        if (final) return final;
      }
      const cause = err.cause?.message ?? err.message;
      const status = err.cause?.name === 'TerminatedFailure' ? 'terminated' : 'failed';
      throw new RunFailedError(id, status, `run ${id} ${status}: ${cause}`);
    }
  }

  /** No new conversations start; the running ones finish. Idempotent. */
  pause(id: string): Promise<void> {
    return this.control(id, (h) => h.signal(pauseSignal));
  }

  /** Conversations start again, up to the concurrency window. Idempotent. */
  resume(id: string): Promise<void> {
    return this.control(id, (h) => h.signal(resumeSignal));
  }

  /** Requests cancellation: running conversations stop, finished ones stay in the run directory,
   * the manifest says `cancelled`. `waitForResult` then resolves with status `cancelled`. */
  cancel(id: string): Promise<void> {
    return this.control(id, async (h) => void (await h.cancel()));
  }

  /** Changes the concurrency window of a running run (1..1000); the run refuses a bad value. */
  setConcurrency(id: string, concurrency: number): Promise<ConcurrencyChange> {
    return this.control(id, async (h) => {
      try {
        return await h.executeUpdate(setConcurrencyUpdate, { args: [concurrency] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw new RunControlError(`run ${id}: ${err.cause?.message ?? err.message}`);
        }
        throw err;
      }
    });
  }

  /** Harvest and eval runs, newest first, optionally by kind and status. */
  async listRuns(opts: ListRunsOptions = {}): Promise<RunSummary[]> {
    const limit = opts.limit ?? 100;
    const out: RunSummary[] = [];
    for await (const wf of this.temporal.workflow.list({ query: listRunsQuery(opts), pageSize: limit })) {
      out.push(runSummaryOf(wf));
      if (out.length >= limit) break;
    }
    return out.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  }

  /** One run: its summary, config and progress (live or final). */
  async getRun(id: string): Promise<RunDetails> {
    const d = await this.describe(id);
    let progress: HarvestProgress | null = finalProgressOf(d);
    if (d.status.name === 'RUNNING') progress = await this.queryProgress(id).catch(() => null);
    if (d.status.name === 'COMPLETED') progress = await this.waitForResult(id).catch(() => null);
    return { ...runSummaryOf(d), config: (d.memo?.config as RunConfig | undefined) ?? null, progress };
  }

  /** A recurring run on a Temporal Schedule; see CreateScheduleOptions. */
  createSchedule(options: CreateScheduleOptions): Promise<ScheduleInfo> {
    return createSchedule(this.temporal, this.taskQueue, options);
  }

  listSchedules(): Promise<ScheduleInfo[]> {
    return listSchedules(this.temporal);
  }

  describeSchedule(id: string): Promise<ScheduleInfo> {
    return describeSchedule(this.temporal, id);
  }

  /** Stops firing until resumed (runs it already started go on). */
  pauseSchedule(id: string, note?: string): Promise<void> {
    return scheduleCall(id, () => this.temporal.schedule.getHandle(id).pause(note));
  }

  resumeSchedule(id: string, note?: string): Promise<void> {
    return scheduleCall(id, () => this.temporal.schedule.getHandle(id).unpause(note));
  }

  /** Fires now (subject to the overlap policy). */
  triggerSchedule(id: string): Promise<void> {
    return scheduleCall(id, () => this.temporal.schedule.getHandle(id).trigger());
  }

  /** Deletes the schedule; runs it started are not touched. */
  deleteSchedule(id: string): Promise<void> {
    return scheduleCall(id, () => this.temporal.schedule.getHandle(id).delete());
  }

  /** Closes the connection if `connect` opened it. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.temporal.connection.close();
  }

  private handle(id: string): WorkflowHandle {
    return this.temporal.workflow.getHandle(id);
  }

  private async describe(id: string): Promise<WorkflowExecutionDescription> {
    let d: WorkflowExecutionDescription;
    try {
      d = await this.handle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(id);
      throw err;
    }
    if (d.type !== HARVEST_WORKFLOW_TYPE) {
      throw new RunNotFoundError(`${id} is not a harvest or eval run (workflow type ${d.type})`);
    }
    return d;
  }

  private async control<T>(id: string, fn: (h: WorkflowHandle) => Promise<T>): Promise<T> {
    const d = await this.describe(id);
    if (d.status.name !== 'RUNNING') {
      throw new RunNotFoundError(`run ${id} is not running (${d.status.name.toLowerCase()})`);
    }
    try {
      return await fn(this.handle(id));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new RunNotFoundError(`run ${id} is not running`);
      throw err;
    }
  }

  /** The progress query; briefly retried while the run is between executions or not yet set up. */
  private async queryProgress(id: string): Promise<HarvestProgress> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.handle(id).query(progressQuery);
      } catch (err) {
        if (attempt >= 20 || !(err instanceof QueryNotRegisteredError)) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async start(config: RunConfig): Promise<StartedRun> {
    const { outcome } = await startOrAttach(this.temporal, config, this.taskQueue);
    return { id: config.id, outcome, config };
  }
}

function notFound(id: string): RunNotFoundError {
  return new RunNotFoundError(`no harvest or eval run with id "${id}"`);
}

function finalProgressOf(d: WorkflowExecutionDescription): HarvestProgress | null {
  return (d.memo?.[FINAL_PROGRESS_MEMO] as HarvestProgress | undefined) ?? null;
}
