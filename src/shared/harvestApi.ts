// The harvest/eval workflow's public surface: its type name, progress query and control signals.
// Shared by the workflow, the CLI and the typed client (defineQuery/defineSignal are plain data).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { UsageByRole } from './messages';

export const HARVEST_WORKFLOW_TYPE = 'harvestWorkflow';

export type HarvestStatus = 'running' | 'paused' | 'draining' | 'done' | 'budget-stopped' | 'cancelled';

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
}

export const progressQuery = defineQuery<HarvestProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const setConcurrencySignal = defineSignal<[number]>('setConcurrency');
