// Which τ-bench part a request asks the model to play, read from the request alone: τ tools (or a
// react prompt listing τ APIs) → the τ agent (its domain says which); a customer prompt carrying a
// scenario → the τ customer. Anything else is not a τ request (the ToolWOZ roles get it).
import { USER_GOAL_OPENING, USER_GOAL_TURN } from '../../env/tau/prompts';
import { END_MARKER } from '../../shared/messages';
import { tauAgentDomain } from './agent';
import type { Msg } from '../wire';
import type { TauExchange } from './customer/policy';

export type TauRole =
  | { role: 'agent'; domain: 'retail' | 'airline' }
  | { role: 'customer'; domain: 'retail' | 'airline'; instruction: string };

/** The scenario inside a customer prompt: the project's own wording ("Your situation ...:" up to
 * "How to play the customer:"), or τ-bench's style ("Instruction: ..." up to "Rules:"). */
export function scenarioOf(system: string): string | undefined {
  const own = /Your situation[^\n]*:\n([\s\S]*?)\n\s*How to play the customer:/.exec(system);
  if (own) return own[1].trim();
  const upstream = /\bInstruction:\s*([\s\S]*?)\n\s*Rules:/.exec(system);
  if (upstream && /\b(customer|user)\b/i.test(system)) return upstream[1].trim();
  return undefined;
}

function customerDomain(system: string, instruction: string): 'retail' | 'airline' {
  if (/\b(of|from) the airline\b|\bairline\b/i.test(system.replace(instruction, ''))) return 'airline';
  if (/\b(store|retail|shop)\b/i.test(system.replace(instruction, ''))) return 'retail';
  return /\b(flight|reservation|airport)\b/i.test(instruction) && !/#W\d{7}/.test(instruction)
    ? 'airline'
    : 'retail';
}

export function classifyTau(messages: Msg[], toolNames: string[]): TauRole | undefined {
  const agent = tauAgentDomain(messages, toolNames);
  if (agent) return { role: 'agent', domain: agent };
  if (toolNames.length) return undefined;
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  const instruction = scenarioOf(system);
  if (!instruction) return undefined;
  return { role: 'customer', domain: customerDomain(system, instruction), instruction };
}

const INSTRUCTIONS = new Set([USER_GOAL_OPENING.trim(), USER_GOAL_TURN.trim()]);
function isInstruction(text: string): boolean {
  const t = text.trim();
  return INSTRUCTIONS.has(t) || (t.includes(END_MARKER) && /\b(write|your (first|next) message)\b/i.test(t));
}

/** The customer's view, roles flipped back: the agent's lines arrive as `user`, its own as
 * `assistant`; the per-turn instruction messages are not something the agent said. */
export function customerExchanges(messages: Msg[]): TauExchange[] {
  const ex: TauExchange[] = [{ agent: null, own: null }];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'tool') continue;
    if (m.role === 'user') {
      if (isInstruction(m.content) || !m.content.trim()) continue;
      const last = ex[ex.length - 1];
      if (last.own === null) last.agent = last.agent === null ? m.content : `${last.agent}\n${m.content}`;
      else ex.push({ agent: m.content, own: null });
    } else {
      const last = ex[ex.length - 1];
      last.own = last.own === null ? m.content : `${last.own}\n${m.content}`;
    }
  }
  const last = ex[ex.length - 1];
  if (last.own !== null) ex.push({ agent: '', own: null });
  return ex;
}
