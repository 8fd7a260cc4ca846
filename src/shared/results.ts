// The per-conversation result file (`<runDir>/conversations/<taskId>.json`), written atomically by
// the conversation workflow's last activity and read by export, eval and report.
import type { CallMade, Message, UsageByRole } from './messages';

export interface TreeNode {
  id: number;
  parentId: number | null;
  /** Search step at which this node's agent turn was taken (0 for the initial root). */
  step: number;
  /** Messages this node's agent turn added to the agent-visible history (assistant + tool). */
  turnMessages: Message[];
  /** The user reply that followed this node's turn, if any. */
  userReply: string | null;
  turnCalls: CallMade[];
  /** Goal indices this node's turn satisfied. */
  rewardedGoals: number[];
  conversationOver: boolean;
  isSuccessful: boolean;
  isGoldenPath: boolean;
  /** Why the node's conversation ended, if it did: 'user-ended' | 'agent-error' | 'max-steps' | 'done'. */
  endReason?: string;
  error?: string;
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
  success: boolean;
  goalCount: number;
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
