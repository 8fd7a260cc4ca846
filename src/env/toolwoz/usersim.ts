// The three ToolWOZ user simulators (spec 4.7), as plans for the caller to run: `goal` and `guide`
// return the messages for the user LLM, `script` replays the MultiWOZ caller's turns with no LLM.
// `conversation` is the conversation as the user sees it: the simulated user's messages are `user`,
// the agent's spoken replies `assistant` (tool traffic, if any slipped in, is ignored).
import { END_MARKER, type Message } from '../../shared/messages';
import type { UserSimKind, UserTurnPlan } from '../types';
import type { MultiwozDialogue } from './multiwoz';
import { fillTemplate, goalLines, type ToolwozPrompts } from './prompts';
import { spokenUtterances, type Utterance } from '../utterances';

const asLines = (turns: Utterance[]): string =>
  turns.map((t) => `${t.role === 'user' ? 'Caller' : 'Assistant'}: ${t.content}`).join('\n');

export function userTurnPlan(
  prompts: ToolwozPrompts,
  goalMessage: string[],
  dialogue: MultiwozDialogue,
  kind: UserSimKind,
  conversation: Message[],
): UserTurnPlan {
  const turns = spokenUtterances(conversation);
  const values = { goals: goalLines(goalMessage) };
  switch (kind) {
    case 'goal': {
      const system = { role: 'system' as const, content: fillTemplate(prompts.userGoalSystem, values) };
      if (turns.length === 0) {
        return {
          kind: 'llm',
          messages: [system, { role: 'user', content: fillTemplate(prompts.userGoalOpening, values) }],
        };
      }
      // The user LLM plays the caller, so from its side the agent is the "user" and it is the "assistant".
      const flipped = turns.map((t) => ({
        role: t.role === 'user' ? ('assistant' as const) : ('user' as const),
        content: t.content,
      }));
      return {
        kind: 'llm',
        messages: [system, ...flipped, { role: 'user', content: fillTemplate(prompts.userGoalTurn, values) }],
      };
    }
    case 'guide': {
      const reference = dialogue.turns.map(
        (text, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: text }) as Utterance,
      );
      const content = fillTemplate(prompts.userGuide, {
        ...values,
        transcript: asLines(reference),
        conversation: turns.length ? asLines(turns) : '(nothing has been said yet)',
      });
      return { kind: 'llm', messages: [{ role: 'user', content }] };
    }
    case 'script': {
      const callerTurns = dialogue.turns.filter((_, i) => i % 2 === 0);
      const sent = turns.filter((t) => t.role === 'user').length;
      return { kind: 'fixed', text: sent < callerTurns.length ? callerTurns[sent] : END_MARKER };
    }
  }
}
