// Runs as visibility sees them: one summary per harvest/eval (its latest execution), the status
// a person means (the workflow's own JoshStatus while it runs, Temporal's verdict once it ended),
// and the list queries that find them.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { HarvestStatus } from '../shared/harvestApi';
import { SA } from '../shared/searchAttributes';

export type RunKind = 'harvest' | 'eval';
export const RUN_KINDS: readonly RunKind[] = ['harvest', 'eval'];

/** A run's status: the harvest's own while it runs or after it completed, else how it ended. */
export type RunStatus = HarvestStatus | 'failed' | 'terminated' | 'timed-out';
export const RUN_STATUSES: readonly RunStatus[] = [
  'running',
  'paused',
  'done',
  'budget-stopped',
  'cancelled',
  'failed',
  'terminated',
  'timed-out',
];

export interface RunSummary {
  id: string;
  kind: RunKind;
  status: RunStatus;
  /** Temporal's status name of the latest execution (RUNNING, COMPLETED, CANCELLED, ...). */
  temporalStatus: string;
  env: string | null;
  split: string | null;
  startTime: Date;
  closeTime: Date | null;
  /** The latest execution of the run (a long run continues as new under the same id). */
  executionRunId: string;
  /** The schedule that started it, if any. */
  scheduleId: string | null;
  /** Average reward, once finished. */
  averageReward: number | null;
}

export interface ListRunsOptions {
  kind?: RunKind;
  status?: RunStatus;
  /** Extra visibility query, ANDed, e.g. `JoshSplit = "val"`. */
  query?: string;
  /** At most this many, newest first (default 100). */
  limit?: number;
}

/** Set by Temporal on workflows a schedule starts. */
const SCHEDULED_BY = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

export const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Visibility filter for one status: JoshStatus while running or completed, ExecutionStatus otherwise. */
const STATUS_QUERY: Record<RunStatus, string> = {
  running: 'ExecutionStatus = "Running" AND JoshStatus = "running"',
  paused: 'ExecutionStatus = "Running" AND JoshStatus = "paused"',
  draining: 'ExecutionStatus = "Running" AND JoshStatus = "draining"',
  done: 'ExecutionStatus = "Completed" AND JoshStatus = "done"',
  'budget-stopped': 'ExecutionStatus = "Completed" AND JoshStatus = "budget-stopped"',
  cancelled: 'ExecutionStatus = "Canceled"',
  failed: 'ExecutionStatus = "Failed"',
  terminated: 'ExecutionStatus = "Terminated"',
  'timed-out': 'ExecutionStatus = "TimedOut"',
};

export function listRunsQuery(opts: ListRunsOptions = {}): string {
  const kinds = opts.kind ? [opts.kind] : RUN_KINDS;
  const parts = [
    `JoshKind IN (${kinds.map(quote).join(', ')})`,
    // Earlier executions of a run that continued as new are not runs of their own.
    'ExecutionStatus != "ContinuedAsNew"',
  ];
  if (opts.status) parts.push(STATUS_QUERY[opts.status]);
  if (opts.query) parts.push(`(${opts.query})`);
  return parts.join(' AND ');
}

export function runStatusOf(temporalStatus: string, joshStatus: string | undefined): RunStatus {
  switch (temporalStatus) {
    case 'RUNNING':
      return joshStatus === 'paused' ? 'paused' : 'running';
    case 'COMPLETED':
      return joshStatus === 'budget-stopped' ? 'budget-stopped' : 'done';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed-out';
    default:
      return 'failed';
  }
}

/** Works on list entries and on `describe()` results alike. */
export function runSummaryOf(
  info: Pick<
    WorkflowExecutionInfo,
    'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'
  >,
): RunSummary {
  const sa = info.typedSearchAttributes;
  const kind = sa.get(SA.kind) === 'eval' ? 'eval' : 'harvest';
  return {
    id: info.workflowId,
    kind,
    status: runStatusOf(info.status.name, sa.get(SA.status)),
    temporalStatus: info.status.name,
    env: sa.get(SA.env) ?? null,
    split: sa.get(SA.split) ?? null,
    startTime: info.startTime,
    closeTime: info.closeTime ?? null,
    executionRunId: info.runId,
    scheduleId: sa.get(SCHEDULED_BY) ?? null,
    averageReward: info.status.name === 'RUNNING' ? null : (sa.get(SA.reward) ?? null),
  };
}
