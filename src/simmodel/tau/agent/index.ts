// The τ-bench agent of the simulated model (docs/simulated-model.md, "The τ-bench agent"). It sees
// only its request: the policy in the system prompt, the tools, the conversation and what its own
// calls returned — never the customer's scenario. The τ dispatch (../index.ts) calls
// `decideTauAgent` for requests that `tauAgentDomain` recognises.
import { REACT } from '../../../agent/reactMarkers';
import type { ReactDialect } from '../../roles';
import type { Completion, Msg } from '../../wire';
import type { Decision } from './actions';
import { decideAirline } from './airline';
import type { TauAgentContext } from './context';
import { decideRetail } from './retail';
import { toTauEvents } from './transcript';

export type { TauAgentContext } from './context';

export type TauAgentProtocol = { kind: 'function-calling' } | { kind: 'react'; dialect: ReactDialect };
export type TauDomainName = 'retail' | 'airline';

const RETAIL_TOOLS = ['find_user_id_by_email', 'find_user_id_by_name_zip', 'get_order_details'];
const AIRLINE_TOOLS = ['search_direct_flight', 'get_reservation_details', 'book_reservation'];

/** Which τ domain an agent request is for: its tools (function calling) or the APIs its react
 * system prompt lists; undefined when it is not a τ agent request. */
export function tauAgentDomain(messages: Msg[], toolNames: string[]): TauDomainName | undefined {
  const has = (names: string[], inText: (n: string) => boolean): boolean => names.some(inText);
  if (toolNames.length) {
    if (has(RETAIL_TOOLS, (n) => toolNames.includes(n))) return 'retail';
    if (has(AIRLINE_TOOLS, (n) => toolNames.includes(n))) return 'airline';
    return undefined;
  }
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  if (!system.includes(REACT.apiCall)) return undefined;
  if (has(RETAIL_TOOLS, (n) => system.includes(n))) return 'retail';
  if (has(AIRLINE_TOOLS, (n) => system.includes(n))) return 'airline';
  return undefined;
}

function malformed(json: string, ctx: TauAgentContext): string {
  const rng = ctx.rng.fork('tau-malformed');
  if (!rng.chance(ctx.rates.malformedArgs)) return json;
  // Typical broken outputs: a missing closing brace, or Python-style quotes.
  return rng.chance(0.5) ? json.slice(0, -1) : json.replace(/"/g, "'");
}

function render(d: Decision, protocol: TauAgentProtocol, ctx: TauAgentContext): Completion {
  const args = d.kind === 'call' ? malformed(JSON.stringify(d.args ?? {}), ctx) : '';
  if (protocol.kind === 'function-calling')
    return d.kind === 'call'
      ? { content: null, toolCall: { name: d.name ?? '', arguments: args } }
      : { content: d.text ?? '' };
  const { thought, say, end } = protocol.dialect;
  const command =
    d.kind === 'call'
      ? `${REACT.apiCall} {"name": ${JSON.stringify(d.name)}, "parameters": ${args}}`
      : `${say}: ${d.text ?? ''}`;
  return { content: `${thought}: ${d.thought}${end}\n${command}${end}` };
}

/** One reply of the τ agent to its request (messages as normalised by wire.ts). */
export function decideTauAgent(
  ctx: TauAgentContext,
  messages: Msg[],
  toolNames: string[],
  protocol: TauAgentProtocol,
): Completion {
  const events = toTauEvents(messages, protocol.kind);
  const domain = tauAgentDomain(messages, toolNames) ?? 'retail';
  const decision = domain === 'airline' ? decideAirline(ctx, events) : decideRetail(ctx, events);
  return render(decision, protocol, ctx);
}
