// The per-conversation result file (`<runDir>/conversations/<taskId>.json`), written atomically by
// the conversation workflow's last activity and read by export, eval and report.
import type { CallMade, Message, UsageByRole } from './messages';

/** One agent turn taken at a node, and the user reply that followed it. */
export interface TurnRecord {
  step: number;
  /** Messages the turn added to the agent-visible history (assistant + tool results). */
  messages: Message[];
  calls: CallMade[];
  /** Goal indices this turn satisfied (spec 2, step 3). */
  rewardedGoals: number[];
  userReply: string | null;
  error?: string;
}

/** A node of the JOSH search tree. When the beam is full a live leaf continues in place, so a
 * node can hold several turns (spec 2, step 1). */
export interface TreeNode {
  id: number;
  parentId: number | null;
  /** Step at which the node was created by expansion (0 for the initial root). */
  createdAt: number;
  turns: TurnRecord[];
  conversationOver: boolean;
  isSuccessful: boolean;
  isGoldenPath: boolean;
  /** 'user-ended' | 'agent-error' | 'done' */
  endReason?: string;
}

/** One harvested node (spec 2, step 4): agent-visible messages, trailing user messages trimmed. */
export interface HarvestedNode {
  messages: Message[];
  isSuccessful: boolean;
  isGoldenPath: boolean;
}

export interface ConversationResult {
  version: 1;
  runId: string;
  mode: 'harvest' | 'baseline' | 'eval';
  env: string;
  taskId: string;
  trial: number;
  /** Progress reward in JOSH mode, whole-conversation metric in baseline/eval (spec 4.6). */
  reward: number;
  /** The environment's final reward of the scored path — a harvest's golden path (its final leaf),
   * an eval's single rollout, where it is also `reward` — and what decided it (ToolWOZ: the goal
   * calls satisfied; τ-bench: the database and outputs checks). Absent in older result files. */
  finalReward?: { reward: number; info: Record<string, unknown> };
  success: boolean;
  goalCount: number;
  /** The user simulator's opening message, which starts every path. */
  opening: string;
  /** Why the search stopped: 'success' | 'all-ended' | 'max-steps' | 'cancelled' | 'error'. */
  stopReason: string;
  steps: number;
  branches: number;
  /** The system prompt and tools are rebuilt from the environment at export time, not stored. */
  agentStrategy: string;
  /** Every node ever created, across collapses, in creation order. */
  tree: TreeNode[];
  /** The golden path: agent-visible messages of the longest golden conversation (no system). */
  goldenPath: Message[] | null;
  harvested: HarvestedNode[];
  /** All calls along the final path (eval scoring input). */
  calls: CallMade[];
  usage: UsageByRole;
  startedAt: string;
  finishedAt: string;
  workflowId: string;
}
