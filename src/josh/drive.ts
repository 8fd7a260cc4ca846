// The JOSH step loop (spec 2) and one agent turn (spec 2, step 2), with their effects injected:
// model calls, tool calls and user replies. The conversation and agent-turn workflows pass
// Temporal-backed effects (children and activities); the simulated model's tests pass direct HTTP
// calls. One loop, so what the tests calibrate is what the product runs.
import type { AgentAction } from '../agent/types';
import type { CallMade, Message, ToolCall } from '../shared/messages';
import { OUT_OF_CALLS_MESSAGE } from '../shared/messages';
import {
  agentView,
  applyAgentTurn,
  applyUserReply,
  beginStep,
  endLeaf,
  liveLeaves,
  progress,
  rewardCheck,
  userView,
  type AgentTurn,
  type BeamParams,
  type Search,
  type TurnScorer,
} from './search';

export type StopReason = 'success' | 'all-ended' | 'max-steps';

/** A leaf as an effect sees it: its id and the history the agent (or the user) sees. */
export interface LeafView {
  nodeId: number;
  history: Message[];
}

/** A user reply, or the user model's own failure on that leaf (the leaf ends as `user-error`). */
export type LeafReply = { text: string } | { error: string };

/** The effects of a search step, batched per step: every live leaf's agent turn at once, then
 * every live leaf's user reply at once. A batch may run as one unit of work (one activity per step,
 * issue 17) or fan out per leaf (`perLeaf`). */
export interface SearchEffects {
  /** The agent turns of a step's leaves, in their order, each on its agent-visible history. */
  agentTurns(step: number, leaves: LeafView[]): Promise<AgentTurn[]>;
  /** The user replies of the live leaves, in their order, each on its user-visible conversation. A
   * rejection (a cancellation, an outage) ends the search. */
  userReplies(leaves: LeafView[]): Promise<LeafReply[]>;
}

/** Per-leaf effects: one agent turn and one user reply at a time. */
export interface PerLeafEffects {
  /** One leaf's agent turn on its agent-visible history. Leaves of a step run in parallel. */
  agentTurn(nodeId: number, step: number, history: Message[]): Promise<AgentTurn>;
  /** The user simulator's reply on a leaf's user-visible conversation; a rejection that
   * `endsLeaf` accepts ends the leaf, any other rejection ends the search. */
  userReply(nodeId: number, conversation: Message[]): Promise<string>;
  /** Whether a failed user reply is the model's own failure (the leaf ends as `user-error`) or
   * something else — a cancellation, an infrastructure failure — that must stop the search and
   * propagate. Default: every failure ends the leaf. */
  endsLeaf?(err: unknown): boolean;
}

/** Step effects from per-leaf ones: the leaves of a batch run in parallel, each on its own. */
export function perLeaf(e: PerLeafEffects): SearchEffects {
  return {
    agentTurns: (step, leaves) => Promise.all(leaves.map((l) => e.agentTurn(l.nodeId, step, l.history))),
    async userReplies(leaves) {
      // Sibling leaves with identical histories get the same reply (the user is deterministic),
      // but each leaf still asks: a leaf's reply must come from its own history.
      const replies = await Promise.allSettled(leaves.map((l) => e.userReply(l.nodeId, l.history)));
      const endsLeaf = e.endsLeaf ?? (() => true);
      for (const r of replies) if (r.status === 'rejected' && !endsLeaf(r.reason)) throw r.reason;
      return replies.map((r) =>
        r.status === 'fulfilled'
          ? { text: r.value }
          : { error: r.reason instanceof Error ? r.reason.message : String(r.reason) },
      );
    },
  };
}

/** Run steps until every goal call is made, no leaf is live, or `maxSteps`. */
export async function runSearchLoop(
  s: Search,
  params: BeamParams & { maxSteps: number },
  score: TurnScorer,
  effects: SearchEffects,
): Promise<StopReason> {
  for (;;) {
    const stop = await runSearchStep(s, params, score, effects);
    if (stop) return stop;
  }
}

/** One step of the loop (spec 2, steps 1–5): the leaves' agent turns, the reward check and
 * collapse, and the live leaves' user replies. Returns why the search stops, or null to go on. */
export async function runSearchStep(
  s: Search,
  params: BeamParams & { maxSteps: number },
  score: TurnScorer,
  effects: SearchEffects,
): Promise<StopReason | null> {
  if (s.step >= params.maxSteps) return 'max-steps';
  const leaves = beginStep(s, params);
  const step = s.step;
  const turns = await effects.agentTurns(
    step,
    leaves.map((nodeId) => ({ nodeId, history: agentView(s, nodeId) })),
  );
  leaves.forEach((id, i) => applyAgentTurn(s, id, turns[i]));
  rewardCheck(s, leaves, score);
  if (progress(s).success) return 'success';
  const live = liveLeaves(s);
  const replies = await effects.userReplies(live.map((nodeId) => ({ nodeId, history: userView(s, nodeId) })));
  live.forEach((id, i) => {
    const r = replies[i];
    if ('text' in r) applyUserReply(s, id, r.text);
    else endLeaf(s, id, 'user-error');
  });
  if (liveLeaves(s).length === 0) return 'all-ended';
  return null;
}

export interface TurnEffects {
  /** One model call on the history so far, parsed into one action. `callIndex` counts from 0. */
  callModel(callIndex: number, history: Message[]): Promise<AgentAction>;
  /** Executes one tool call; `turnCalls` are the calls this turn executed before it (a stateful
   * environment replays the branch's earlier calls, then these, to find its state). */
  executeTool(
    call: ToolCall,
    turnCalls: readonly CallMade[],
  ): Promise<{ content: string; call: CallMade; endsConversation?: boolean }>;
  /** How a failed model call is recorded on the turn (default: the error's message), or null when
   * the failure is not the model's own (a cancellation, an infrastructure failure): then it is
   * rethrown instead of ending the leaf. */
  describeError?(err: unknown): string | null;
  /** Called after each model call and its tool call: what the turn has done so far, enough to
   * resume it (`TurnProgress`) without repeating a finished model call. */
  onProgress?(progress: TurnProgress): void;
}

/** A turn in progress: its messages and executed calls, and the index of its next model call. */
export interface TurnProgress {
  messages: Message[];
  calls: CallMade[];
  nextCall: number;
}

/** Up to `maxCalls` model calls: each makes one tool call (executed, its result appended) or
 * speaks to the user, which ends the turn. A model failure ends the turn with `error` set; any
 * other failure (see `describeError`) propagates. `resume` continues a turn from its progress. */
export async function runAgentTurn(
  history: Message[],
  maxCalls: number,
  effects: TurnEffects,
  resume?: TurnProgress,
): Promise<AgentTurn> {
  const messages: Message[] = resume ? [...resume.messages] : [];
  const calls: CallMade[] = resume ? [...resume.calls] : [];
  for (let i = resume?.nextCall ?? 0; i < maxCalls; i++) {
    let action: AgentAction;
    try {
      action = await effects.callModel(i, [...history, ...messages]);
    } catch (err) {
      const describe =
        effects.describeError ?? ((e: unknown) => (e instanceof Error ? e.message : String(e)));
      const error = describe(err);
      if (error === null) throw err;
      return { messages, calls, error };
    }
    messages.push(action.message);
    if (action.kind === 'say') return { messages, calls };
    if (action.kind === 'invalid') {
      messages.push(...action.feedback);
      effects.onProgress?.({ messages, calls, nextCall: i + 1 });
      continue;
    }
    const result = await effects.executeTool(action.call, calls);
    messages.push({
      role: 'tool',
      toolCallId: action.call.id,
      name: action.call.name,
      content: result.content,
    });
    messages.push(...action.extra);
    calls.push(result.call);
    if (result.endsConversation) return { messages, calls, endsConversation: true };
    effects.onProgress?.({ messages, calls, nextCall: i + 1 });
  }
  messages.push({ role: 'assistant', content: OUT_OF_CALLS_MESSAGE });
  return { messages, calls };
}
