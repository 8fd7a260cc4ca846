// The train workflow's public surface (workflow-safe: plain data and define* calls only): its type
// name, progress query and the shape of its progress, which is also its result.
import { defineQuery } from '@temporalio/workflow';

export const TRAIN_WORKFLOW_TYPE = 'trainWorkflow';

/** Where a training stands: ours before the job exists, then OpenAI's job statuses, or TRL's. */
export type TrainStatus =
  | 'exporting'
  | 'uploading'
  | 'creating'
  | 'validating_files'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  /** TRL without a configured command: the script is written, to be run by hand. */
  | 'script-written';

export interface TrainEvent {
  /** Unix seconds. */
  at: number;
  level: string;
  message: string;
}

export interface TrainProgress {
  id: string;
  backend: 'openai' | 'trl';
  status: TrainStatus;
  baseModel: string;
  format: string;
  /** The exported JSONL file, as the worker sees it. */
  trainingFile: string;
  examples: number;
  fileId: string | null;
  jobId: string | null;
  /** The trained model's name once the job succeeded (OpenAI) or the output directory (TRL). */
  fineTunedModel: string | null;
  trainedTokens: number | null;
  /** The job's latest events, oldest first (at most 20). */
  events: TrainEvent[];
  /** The job's latest metrics event (step, train_loss, ...). */
  metrics: Record<string, number> | null;
  /** How many times the job was looked at. */
  polls: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** TRL: the script, its config and the command that runs it. */
  script: { path: string; config: string; command: string } | null;
  /** TRL run: the last lines of its log. */
  logTail: string[];
}

export const trainProgressQuery = defineQuery<TrainProgress>('progress');
/** Memo key under which a cancelled training leaves its final progress. */
export const FINAL_TRAIN_MEMO = 'finalProgress';

export const TERMINAL_JOB_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];
