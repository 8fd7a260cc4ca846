// Which part a request asks the model to play, read only from the request itself — the way an LLM
// reads its prompt: ToolWOZ tools → the function-calling agent; the react protocol in the system
// prompt → the react agent; goal instructions in the system prompt → the goal-driven caller; goal
// instructions inside a single user message beside a transcript → the guide. Anything else is
// answered politely and counted as "unknown".
import { DEFAULT_PROMPTS, REACT } from '../env/toolwoz/prompts';
import { END_MARKER } from '../shared/messages';
import { stripMarkup } from './goalParser';
import { parseApiName } from './ontology';
import type { Msg } from './wire';

/** How a react prompt spells its commands: the project's THOUGHT/SAY, or upstream's PLAN/SPEAK
 * with `<COMMAND_END>` after each command. The model answers in the spelling it was given. */
export interface ReactDialect {
  thought: string;
  say: string;
  end: string;
}

export type Role =
  | { role: 'agent'; protocol: 'function-calling' }
  | { role: 'agent'; protocol: 'react'; dialect: ReactDialect }
  | { role: 'user'; kind: 'goal'; goals: string[] }
  | {
      role: 'user';
      kind: 'guide';
      goals: string[];
      conversation: { speaker: 'caller' | 'assistant'; text: string }[];
    }
  | { role: 'unknown' };

const GOAL_LINE =
  /^(You are (also )?(looking for|planning|traveling|travelling)|Once you find|If there is no such|If the booking fails|Make sure you get|Its name is called|The (hotel|restaurant|attraction|train) )/;

/** The goal sentences of a prompt: its lines that read as goal instructions, list markers dropped. */
export function goalSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const s = stripMarkup(line.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, ''));
    if (GOAL_LINE.test(s)) out.push(s);
  }
  return out;
}

const SPEAKER = /^(Caller|Customer|User|Assistant|Agent|System)\s*:\s?(.*)$/i;

function conversationLines(section: string): { speaker: 'caller' | 'assistant'; text: string }[] {
  const out: { speaker: 'caller' | 'assistant'; text: string }[] = [];
  for (const line of section.split('\n')) {
    const m = SPEAKER.exec(line.trim());
    if (m) out.push({ speaker: /^(caller|customer|user)$/i.test(m[1]) ? 'caller' : 'assistant', text: m[2] });
    else if (out.length && line.trim()) out[out.length - 1].text += `\n${line.trim()}`;
  }
  return out;
}

/** The conversation block of a guide prompt: after the template's "so far" heading when the
 * project's prompt is used, else the last run of speaker lines. */
function guideConversation(text: string): { speaker: 'caller' | 'assistant'; text: string }[] {
  const tpl = DEFAULT_PROMPTS.userGuide;
  const i = tpl.indexOf('{conversation}');
  const j = tpl.lastIndexOf('{transcript}');
  const heading = i > j && j >= 0 ? tpl.slice(j + '{transcript}'.length, i).trim() : '';
  const at = heading ? text.lastIndexOf(heading) : -1;
  if (at >= 0) {
    const rest = text.slice(at + heading.length);
    const end = tpl
      .slice(i + '{conversation}'.length)
      .trim()
      .split('\n')[0];
    return conversationLines(end && rest.includes(end) ? rest.slice(0, rest.lastIndexOf(end)) : rest);
  }
  // Fallback for another wording: speaker lines after the last blank line that precedes one.
  const blocks = text.split(/\n\s*\n/).filter((b) => SPEAKER.test(b.trim().split('\n')[0] ?? ''));
  return blocks.length ? conversationLines(blocks[blocks.length - 1]) : [];
}

export function reactDialect(system: string): ReactDialect {
  const word = (marker: string): string => marker.replace(/:$/, '');
  if (system.includes(REACT.say)) return { thought: word(REACT.thought), say: word(REACT.say), end: '' };
  return {
    thought: /\bPLAN\b/.test(system) ? 'PLAN' : 'THOUGHTS',
    say: 'SPEAK',
    end: system.includes('<COMMAND_END>') ? ' <COMMAND_END>' : '',
  };
}

export function classify(messages: Msg[], toolNames: string[]): Role {
  if (toolNames.some((n) => parseApiName(n) !== undefined))
    return { role: 'agent', protocol: 'function-calling' };
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  if (system.includes('APICALL') && (system.includes(REACT.say) || /\bSPEAK\b/.test(system))) {
    return { role: 'agent', protocol: 'react', dialect: reactDialect(system) };
  }
  const sysGoals = goalSentences(system);
  if (
    sysGoals.length &&
    (system.includes(END_MARKER) || messages.some((m) => m.content.includes(END_MARKER)))
  ) {
    return { role: 'user', kind: 'goal', goals: sysGoals };
  }
  const firstUser = messages.find((m) => m.role === 'user');
  if (firstUser) {
    const goals = goalSentences(firstUser.content);
    if (goals.length)
      return { role: 'user', kind: 'guide', goals, conversation: guideConversation(firstUser.content) };
  }
  return { role: 'unknown' };
}
