// Runs as visibility sees them: one summary per harvest/eval (its latest execution), the status
// a person means (the workflow's own JoshStatus while it runs, Temporal's verdict once it ended),
// and the list queries that find them.
import type { WorkflowClient, WorkflowExecutionInfo } from '@temporalio/client';
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

/** Why a run is not moving: an activity of one of its open workflows failing and being retried. */
export interface RunProblem {
  /** In plain words: "connection refused at 127.0.0.1:8000", "disk full at /runs/x/...",
   * "HTTP 401 from the model". */
  reason: string;
  /** The failure as the activity reported it (first line, shortened). */
  message: string;
  /** The activity type and its attempt number (the next attempt is `attempt`). */
  activity: string;
  attempt: number;
  workflowId: string;
}

/** A failure message in the words a person acts on; the message itself when no rule fits. */
export function plainReason(message: string): string {
  const line = message.split('\n')[0].trim();
  let m = /connection refused at (\S+)/i.exec(line) ?? /ECONNREFUSED\s+(\S+)/.exec(line);
  if (m) return `connection refused at ${m[1]}`;
  m = /host name not found: (\S+)/.exec(line) ?? /(?:ENOTFOUND|EAI_AGAIN)\s+(\S+)/.exec(line);
  if (m) return `host name not found: ${m[1]}`;
  m =
    /(disk full|disk quota exceeded|read-only file system|permission denied) at (.+?)(?: \(E[A-Z]+\))?$/.exec(
      line,
    );
  if (m) return `${m[1]} at ${m[2]}`;
  if (/ENOSPC|no space left/i.test(line)) return `disk full (${shorten(line, 160)})`;
  m = /\bHTTP (\d{3})\b/.exec(line);
  if (m) return `HTTP ${m[1]} from the model`;
  if (/: timed out$/.test(line)) return 'the model did not answer in time';
  return shorten(line, 200);
}

const shorten = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

/**
 * What a run's open workflows are retrying, if anything: lists at most `maxWorkflows` of the run's
 * running workflows (JoshHarvestId = id) and describes them, looking for pending activities with a
 * failed earlier attempt; the one with the most attempts wins. Costs 1 + maxWorkflows calls, so a
 * caller asks only when the run has stopped moving, and not more than every few seconds.
 */
export async function findRunProblem(
  workflow: WorkflowClient,
  runId: string,
  maxWorkflows = 4,
): Promise<RunProblem | null> {
  const ids: string[] = [];
  const query = `JoshHarvestId = ${quote(runId)} AND ExecutionStatus = "Running"`;
  for await (const wf of workflow.list({ query, pageSize: maxWorkflows })) {
    ids.push(wf.workflowId);
    if (ids.length >= maxWorkflows) break;
  }
  let best: RunProblem | null = null;
  for (const workflowId of ids) {
    let pending;
    try {
      pending = (await workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
    } catch {
      continue; // closed meanwhile
    }
    for (const a of pending) {
      const message = a.lastFailure?.message;
      const attempt = a.attempt ?? 1;
      if (!message || (best && best.attempt >= attempt)) continue;
      best = {
        reason: plainReason(message),
        message: shorten(message.split('\n')[0], 300),
        activity: a.activityType?.name ?? 'activity',
        attempt,
        workflowId,
      };
    }
  }
  return best;
}

/** One line for a person: "connection refused at 127.0.0.1:8000 (agentCall, attempt 5)". */
export function formatRunProblem(p: RunProblem): string {
  return `${p.reason} (${p.activity}, attempt ${p.attempt}, in ${p.workflowId})`;
}
