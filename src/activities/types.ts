// Inputs and outputs of every activity: the contract between workflows (which import these
// types only) and the activity implementations. Small on purpose: prompts, tool schemas and task
// goals are rebuilt inside activities from the environment, never sent through history.
import type { CallMade, Message, ToolCall, Usage } from '../shared/messages';
import type { AgentAction } from '../agent/types';
import type { FinalReward, GoalCall, PriorCall } from '../env/types';
import type { RunConfig } from '../config/run';
import type { CompactResult, ConversationSummary } from '../josh/result';
import type { AgentTurn, BeamParams, Search } from '../josh/search';

export interface AgentCallInput {
  env: string;
  strategy: RunConfig['agentStrategy'];
  model: string;
  temperature: number;
  seed: number;
  /** Agent-visible history including this turn so far (no system prompt). */
  history: Message[];
  /** Content hash of the prompts the run recorded (provenance); a worker whose own prompts hash
   * differs refuses the call instead of mixing prompts within one run. Absent in old histories. */
  promptsHash?: string;
}

/** One LLM call of an agent turn, parsed by the strategy into exactly one action. */
export type { AgentAction };

export interface AgentCallOutput {
  action: AgentAction;
  usage: Usage;
}

export interface UserTurnInput {
  env: string;
  taskId: string;
  userSim: RunConfig['userSim'];
  model: string;
  /** The conversation as the user sees it (its own turns as `user`). Empty for the opening. */
  conversation: Message[];
  /** As in AgentCallInput. */
  promptsHash?: string;
}

export interface UserTurnOutput {
  text: string;
  usage: Usage;
}

/** The user replies of a search step's live leaves, as one activity (issue 17). */
export interface UserRepliesInput extends Omit<UserTurnInput, 'conversation'> {
  leaves: { nodeId: number; conversation: Message[] }[];
}

/** Per leaf, in order: its reply, or the user model's own failure (that leaf ends). */
export interface UserRepliesOutput {
  replies: ({ text: string; usage: Usage } | { error: string })[];
}

export type { PriorCall };

export interface ExecuteToolInput {
  env: string;
  taskId: string;
  call: ToolCall;
  /** The branch's earlier executed calls, in order (a stateful environment's state comes from
   * them). Absent in histories from before stateful environments: no earlier calls. */
  prior?: PriorCall[];
}

export interface ExecuteToolOutput {
  content: string;
  call: CallMade;
  endsConversation?: boolean;
}

/** The final reward of a path: its executed calls and what the agent said to the user. */
export interface FinalRewardInput {
  env: string;
  taskId: string;
  calls: PriorCall[];
  agentTexts: string[];
}

export type { FinalReward };

/** One agent turn of one search leaf (spec 2, step 2): the input of both the agent-turn child
 * workflow and the whole-turn activity. */
export interface AgentTurnInput {
  /** The run's seed root (its `seed`, or its id). */
  seedRoot: string;
  env: string;
  taskId: string;
  trial: number;
  nodeId: number;
  step: number;
  model: string;
  temperature: number;
  strategy: RunConfig['agentStrategy'];
  maxCalls: number;
  history: Message[];
  /** The branch's executed calls before this turn (see ExecuteToolInput.prior). */
  prior?: PriorCall[];
  /** The run's recorded prompts hash (provenance), checked by the LLM activity. */
  promptsHash?: string;
  /** Set by conversations since the whole-turn activity (issue 17): the agent-turn child hands
   * the turn to it. Children started before lack it and replay their per-call loop. An input
   * flag, not `patched()`: a marker and its search-attribute upsert cost two events per turn. */
  wholeTurn?: boolean;
}

export interface AgentTurnOutput extends AgentTurn {
  usage: Usage;
}

/** What every agent turn of a conversation shares: an AgentTurnInput without the leaf's own part. */
export type TurnSettings = Omit<AgentTurnInput, 'nodeId' | 'step' | 'history' | 'prior' | 'wholeTurn'>;

/** One whole search step as one activity (the `activity` turn shape, issue 17). */
export interface SearchStepInput {
  /** The search before the step; its harvest left out (the step neither reads nor returns it). */
  search: Search;
  params: BeamParams & { maxSteps: number };
  goalCalls: GoalCall[];
  /** What every agent turn of the step shares. */
  turn: TurnSettings;
  /** What every user reply of the step shares. */
  user: Omit<UserTurnInput, 'conversation'>;
}

/** What the step's effects returned, for the workflow to apply with the same pure transitions:
 * the leaves that took a turn and their turns, then the live leaves and their replies (none when
 * the step stopped before them). */
export interface SearchStepOutput {
  turnLeaves: number[];
  turns: AgentTurnOutput[];
  replyLeaves: number[];
  replies: UserRepliesOutput['replies'];
}

export interface LoadTaskOutput {
  goalCalls: GoalCall[];
  domains: string[];
}

export interface ResolveTasksInput {
  env: string;
  split: string;
  taskIds?: string[];
  start: number;
  limit?: number;
  includeUnsolvable: boolean;
}

export interface ResolveTasksOutput {
  taskIds: string[];
  skippedUnsolvable: number;
  /** Tasks the window was taken from (the split's or the listed ones, unsolvable left out unless
   * kept): what a window past its end is said against. Optional: older workers do not send it. */
  candidates?: number;
}

export interface RunLocation {
  runId: string;
  outDir?: string;
}

export interface WriteResultInput extends RunLocation {
  result: CompactResult;
}

export interface ReadResultInput extends RunLocation {
  taskId: string;
  trial: number;
  /** The run's environment, which names its result files (absent in older histories: ToolWOZ). */
  env?: string;
}

/** A conversation that an earlier execution of the run started: its result file, if written,
 * else its workflow's status in Temporal (null when there is no such workflow). */
export interface PriorConversationInput extends ReadResultInput {
  workflowId: string;
}

export interface PriorConversationOutput {
  result: ConversationSummary | null;
  status: string | null;
  /** Where its result file would be, for messages. */
  file: string;
}

export type { CompactResult, ConversationSummary };

/** Input of `recordProvenance`: the run, and the config it runs with. */
export interface RecordProvenanceInput extends RunLocation {
  config: RunConfig;
}

export interface RecordProvenanceOutput {
  /** Content hash of the prompts this run uses (the worker's prompts file, or the built-ins). */
  promptsHash: string;
}
