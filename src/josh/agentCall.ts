// The request of one model call of an agent turn, shared by the whole-turn activity and the
// per-call loop that histories from before it replay: both must sample alike for one seed.
import type { AgentCallInput, AgentTurnInput } from '../activities/types';
import type { Message } from '../shared/messages';
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
