// The inputs of an agent turn and of one of its model calls, shared by the conversation workflow,
// the search-step activity, the whole-turn activity and the per-call loop that histories from
// before it replay: all must build them alike, so that one seed samples alike.
import type { AgentCallInput, AgentTurnInput, PriorCall, TurnSettings } from '../activities/types';
import type { CallMade, Message } from '../shared/messages';
import { seedOf } from '../util/hash';

/** Model call `i` of a turn on `history` (the turn's input history plus what the turn did so far). */
export function agentCallInput(turn: AgentTurnInput, i: number, history: Message[]): AgentCallInput {
  return {
    env: turn.env,
    strategy: turn.strategy,
    model: turn.model,
    temperature: turn.temperature,
    // A distinct, reproducible sample per run, task, trial, branch, step and call.
    seed: seedOf(turn.seedRoot, turn.taskId, turn.trial, turn.nodeId, turn.step, i),
    history,
    promptsHash: turn.promptsHash,
  };
}

/** Executed calls by name and arguments only: what a stateful environment replays (what they
 * returned can be large and is not needed). */
export function priorCalls(calls: readonly CallMade[]): PriorCall[] {
  return calls.map((c) => ({ name: c.name, arguments: c.arguments }));
}

/** A leaf's agent turn at `step` on `history`, after the branch's `earlier` calls. */
export function leafTurnInput(
  shared: TurnSettings,
  step: number,
  nodeId: number,
  history: Message[],
  earlier: readonly CallMade[],
): AgentTurnInput {
  return { ...shared, nodeId, step, history, prior: priorCalls(earlier) };
}
