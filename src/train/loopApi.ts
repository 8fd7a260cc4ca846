// The loop (campaign) workflow's public surface, workflow-safe: its type name, progress query,
// and the per-round record its report is made of.
import { defineQuery } from '@temporalio/workflow';
import type { Interval, PairedTest } from '../eval/stats';
import type { UsageByRole } from '../shared/messages';

export const LOOP_WORKFLOW_TYPE = 'loopWorkflow';

export type LoopStatus = 'running' | 'paused' | 'done' | 'cancelled' | 'failed';

export interface LoopEval {
  id: string;
  runDir: string;
  agentModel: string;
  conversations: number;
  successRate: Interval;
  averageReward: Interval;
  usage: UsageByRole;
}

export interface LoopRound {
  round: number;
  /** The model the round harvested with (the previous round's fine-tuned one, or the base). */
  agentModel: string;
  harvest: {
    id: string;
    runDir: string;
    status: string;
    conversations: number;
    succeeded: number;
    usage: UsageByRole;
  } | null;
  train: {
    id: string;
    jobId: string | null;
    status: string;
    fineTunedModel: string | null;
    examples: number;
    trainedTokens: number | null;
    format: string;
  } | null;
  eval: LoopEval | null;
  /** This round's eval against the previous round's (round 1: against the base model's). */
  comparison: { against: string; pairs: number; success: PairedTest; reward: PairedTest } | null;
  /** Model calls of the round's harvest and eval, priced when prices are known. */
  cost: { usd: number; unpriced: string[] } | null;
  /** Why the campaign went on or stopped after this round. */
  decision: string | null;
}

export interface LoopProgress {
  id: string;
  status: LoopStatus;
  /** What runs now, e.g. "round 2: train". */
  phase: string;
  rounds: number;
  /** The base model's eval (round 0), the reference of round 1. */
  base: LoopEval | null;
  completed: LoopRound[];
  current: LoopRound | null;
  /** The model with the best eval success so far. */
  bestModel: string;
  stopReason: string | null;
  reportFile: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export const loopProgressQuery = defineQuery<LoopProgress>('progress');
export const FINAL_LOOP_MEMO = 'finalProgress';
