// The one interface every environment (ToolWOZ, τ-bench retail/airline, τ²-bench retail) implements.
// Split in two: `EnvironmentScoring` is pure and deterministic (the conversation workflow runs the
// per-turn reward check itself), `Environment` does I/O (loading data) and runs in activities.
// Environments register themselves in src/env/registry.ts (pure half) and src/env/index.ts (node half).
import type { CallMade, Message } from '../shared/messages';

export interface GoalCall {
  name: string;
  /** JSON values (τ-bench: numbers, lists, objects); ToolWOZ's are all strings. */
  parameters: Record<string, unknown>;
  /** What a correct call returns (ToolWOZ book_* goals: the booked entity). */
  returns?: Record<string, unknown>;
}

export interface Task {
  id: string;
  env: string;
  domains: string[];
  /** The user's instructions, one sentence per entry, markup stripped. */
  goalMessage: string[];
  goalCalls: GoalCall[];
  /** Whether replaying the task's own goal calls reaches reward 1 (annotation noise can prevent it). */
  solvable: boolean;
  /** τ-bench: the user's scenario text, as the task list gives it. */
  instruction?: string;
  /** τ-bench: facts the agent must tell the user (final reward: each appears in some agent text). */
  outputs?: string[];
  /** τ-bench: the customer's user id. */
  userId?: string;
}

/** A call the branch executed before (errors included), in order: what a stateful environment
 * replays to rebuild the branch's state. `arguments` as the agent sent them (raw text if unparsed). */
export interface PriorCall {
  name: string;
  arguments: Record<string, unknown> | string;
}

/** The whole conversation's reward (eval, and a harvest's golden path), with what decided it. */
export interface FinalReward {
  reward: number;
  info: Record<string, unknown>;
}

export type AgentStrategy = 'function-calling' | 'react';
export type UserSimKind = 'goal' | 'guide' | 'script';

/** OpenAI function-tool schema. */
export interface ToolSchema {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface ToolResult {
  /** The text the agent sees as the tool message. */
  content: string;
  /** The scored record. */
  call: CallMade;
  /** The call ends the conversation (τ-bench `transfer_to_human_agents`): the turn and leaf stop. */
  endsConversation?: boolean;
}

export interface EnvironmentScoring {
  /** Indices (into goalCalls) of remaining goals that the calls of one turn satisfy; each call may
   * satisfy at most one goal and each goal is consumed once (remaining is a multiset). */
  turnReward(goalCalls: GoalCall[], remaining: number[], turnCalls: CallMade[]): number[];
  /** Whole-conversation metric: which goal calls any call satisfied; reward = satisfied / total. */
  conversationReward(goalCalls: GoalCall[], calls: CallMade[]): { reward: number; satisfied: boolean[] };
}

export interface Environment extends EnvironmentScoring {
  name: string;
  splits: string[];
  /** Task ids of a split in canonical order. Throws a clear error for an unknown split. */
  listTasks(split: string): Task[];
  /** Throws UnknownTaskError for an id not in the data. */
  getTask(id: string): Task;
  tools(): ToolSchema[];
  /** Runs one call against the state the branch's earlier calls (`prior`, every one it executed, in
   * order, errors included) left. Deterministic: the same task, prior and call give the same result
   * in any process. A stateless environment (ToolWOZ) ignores `prior`. */
  executeCall(task: Task, name: string, args: unknown, prior: readonly PriorCall[]): ToolResult;
  /** Runs a whole transcript's calls in order (`arguments` as executeCall takes `args`): for each,
   * what executeCall gives with the calls before it as `prior`, in one pass. A stateful
   * environment's executeCall replays its prior on every call, n² for a transcript of n calls
   * (josh score); this is n. Absent in a stateless environment (ToolWOZ): executeCall is enough. */
  executeCalls?(task: Task, calls: readonly { name: string; arguments: unknown }[]): ToolResult[];
  /** The final reward of a conversation: its executed calls in order and what the agent said to the
   * user. May use loaded data (runs in activities). */
  finalReward(task: Task, calls: readonly PriorCall[], agentTexts: readonly string[]): FinalReward;
  agentSystemPrompt(strategy: AgentStrategy): string;
  /** Reads (and validates) now the data its calls would otherwise load on first use, beyond what
   * tools(), listTasks() and agentSystemPrompt() read: its database. A broken file is a UserError.
   * Absent when there is nothing more (checkEnvironmentData in src/env/index.ts calls it). */
  loadData?(): void;
  /** The user simulator's request for its next message (goal/guide), or the scripted reply. */
  userTurn(task: Task, kind: UserSimKind, conversation: Message[]): UserTurnPlan;
}

/** What the user simulator needs: either messages to send to the user LLM, or a fixed reply. */
export type UserTurnPlan =
  | { kind: 'llm'; messages: { role: 'system' | 'user' | 'assistant'; content: string }[] }
  | { kind: 'fixed'; text: string };

export class UnknownTaskError extends Error {
  constructor(
    readonly taskId: string,
    where: string,
  ) {
    super(`unknown task id "${taskId}" (not in ${where})`);
    this.name = 'UnknownTaskError';
  }
}
