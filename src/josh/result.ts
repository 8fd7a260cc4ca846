// The conversation result as it leaves the workflow (compact: turn records and harvest
// references) and as it is written to disk (expanded: harvested messages and the golden path).
// Pure: the workflow builds the compact form, the write activity expands it.
import type { TreeNode, ConversationResult } from '../shared/results';
import type { UsageByRole } from '../shared/messages';
import { goldenPath, harvestMessages, pathCalls, type HarvestRef, type Search } from './search';

export interface CompactResult {
  runId: string;
  mode: ConversationResult['mode'];
  env: string;
  taskId: string;
  trial: number;
  reward: number;
  success: boolean;
  goalCount: number;
  steps: number;
  branches: number;
  agentStrategy: string;
  opening: string;
  stopReason: string;
  nodes: TreeNode[];
  harvest: HarvestRef[];
  /** The node whose path is scored in baseline/eval mode (the single rollout's last node). */
  finalNodeId: number;
  /** The environment's final reward of that node's path (absent in runs from before it). */
  finalReward?: ConversationResult['finalReward'];
  usage: UsageByRole;
  startedAt: string;
  finishedAt: string;
  workflowId: string;
}

/** What a conversation workflow returns to its harvest: enough for progress and summaries. */
export interface ConversationSummary {
  taskId: string;
  trial: number;
  reward: number;
  success: boolean;
  goalCount: number;
  steps: number;
  branches: number;
  usage: UsageByRole;
  stopReason: string;
}

export function summarize(r: CompactResult | ConversationResult): ConversationSummary {
  const { taskId, trial, reward, success, goalCount, steps, branches, usage, stopReason } = r;
  return { taskId, trial, reward, success, goalCount, steps, branches, usage, stopReason };
}

export function expandResult(c: CompactResult): ConversationResult {
  // Only the fields the message builders read; the rest of Search is search-time state.
  const s = { opening: c.opening, nodes: c.nodes, harvest: c.harvest } as Search;
  const { harvest, finalNodeId, nodes, ...rest } = c;
  return {
    version: 1,
    ...rest,
    tree: nodes,
    goldenPath: goldenPath(s),
    harvested: harvest.map((ref) => ({
      messages: harvestMessages(s, ref),
      isSuccessful: ref.isSuccessful,
      isGoldenPath: ref.isGoldenPath,
    })),
    calls: pathCalls(s, finalNodeId),
  };
}
