// The one interface every environment (ToolWOZ now, tau2 retail later) implements.
// Split in two: `EnvironmentScoring` is pure and deterministic (the conversation workflow runs the
// per-turn reward check itself), `Environment` does I/O (loading data) and runs in activities.
import type { CallMade, Message } from '../shared/messages';

export interface GoalCall {
  name: string;
  parameters: Record<string, string>;
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
  executeCall(task: Task, name: string, args: unknown): ToolResult;
  agentSystemPrompt(strategy: AgentStrategy): string;
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
