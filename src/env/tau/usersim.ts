// The τ-bench user simulator: only `goal`, an LLM playing the customer from the task's instruction
// (τ-bench has no reference dialogues, so there is nothing for `guide` or `script` to follow).
// `conversation` is the conversation as the customer sees it: its own messages are `user`, the
// agent's text replies `assistant`; tool traffic is invisible to the customer and left out.
import type { Message } from '../../shared/messages';
import { UserError } from '../../util/errors';
import type { Task, UserSimKind, UserTurnPlan } from '../types';
import { USER_GOAL_OPENING, USER_GOAL_TURN, userGoalSystemPrompt } from './prompts';
import type { TauDomain } from './layouts';
import { spokenUtterances } from '../utterances';

export const TAU_USER_SIM_KINDS: readonly UserSimKind[] = ['goal'];

export function tauUserTurn(
  envName: string,
  domain: TauDomain,
  task: Task,
  kind: UserSimKind,
  conversation: Message[],
): UserTurnPlan {
  if (!TAU_USER_SIM_KINDS.includes(kind))
    throw new UserError(
      `${envName} has no "${kind}" user simulator (supported: ${TAU_USER_SIM_KINDS.join(', ')})`,
    );
  const instruction = task.instruction ?? task.goalMessage.join('\n');
  const system = { role: 'system' as const, content: userGoalSystemPrompt(domain, instruction) };
  const turns = spokenUtterances(conversation);
  if (turns.length === 0)
    return { kind: 'llm', messages: [system, { role: 'user', content: USER_GOAL_OPENING }] };
  // The user LLM plays the customer, so from its side the agent is the "user" and it is the "assistant".
  const flipped = turns.map((t) => ({
    role: t.role === 'user' ? ('assistant' as const) : ('user' as const),
    content: t.content,
  }));
  return { kind: 'llm', messages: [system, ...flipped, { role: 'user', content: USER_GOAL_TURN }] };
}
