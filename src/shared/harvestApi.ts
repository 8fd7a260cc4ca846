// The harvest/eval workflow's public surface: its type name, progress query, control signals and
// update. Shared by the workflow, the CLI and the typed client (the define* calls are plain data).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { UsageByRole } from './messages';

export const HARVEST_WORKFLOW_TYPE = 'harvestWorkflow';

export type HarvestStatus =
  | 'running'
  | 'paused'
  | 'draining'
  | 'done'
  | 'budget-stopped'
  | 'cancelled'
  /** Every conversation failed (none produced a result): the workflow fails too. */
  | 'failed';

export interface HarvestProgress {
  id: string;
  mode: string;
  env: string;
  split: string;
  status: HarvestStatus;
  total: number;
  done: number;
  running: number;
  succeeded: number;
  /** Conversations whose workflow failed (not: whose agent failed, which is a result). */
  failed: number;
  rewardSum: number;
  usage: UsageByRole;
  skippedUnsolvable: number;
  concurrency: number;
  runDir: string;
  startedAt: string;
  /** How many times this harvest continued as new (its history is kept short). */
  generation: number;
  /** The latest conversation failure, in one line (why a run is failing, for the CLI and UI). */
  lastError?: string;
}

export const progressQuery = defineQuery<HarvestProgress>('progress');
/** Memo key under which a cancelled run leaves its final progress (a cancelled workflow has no
 * result, and a query on a closed workflow needs a worker). */
export const FINAL_PROGRESS_MEMO = 'finalProgress';
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Fire-and-forget form (e.g. `temporal workflow signal`): a bad value is ignored. */
export const setConcurrencySignal = defineSignal<[number]>('setConcurrency');

export interface ConcurrencyChange {
  previous: number;
  concurrency: number;
}
/** Validated form: a bad value is rejected to the caller, before anything is recorded in history. */
export const setConcurrencyUpdate = defineUpdate<ConcurrencyChange, [number]>('setConcurrency');
