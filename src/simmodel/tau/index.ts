// The simulated model's τ-bench side: a request classified as the τ agent goes to the agent
// (./agent), one carrying a customer scenario to the customer (./customer). The world (product
// vocabulary, airports) is read from the data directory on the first τ request.
import { parseScenario } from './customer/parse';
import { nextCustomerMessage, scenarioKey } from './customer/policy';
import type { TauScenario } from './customer/scenario';
import { type TauAgentProtocol, decideTauAgent } from './agent';
import { classifyTau, customerExchanges } from './roles';
import { type TauWorld, getTauWorld } from './world';
import type { ErrorRates } from '../errorModel';
import type { ReactDialect } from '../roles';
import type { Rng } from '../rng';
import type { Completion, Msg } from '../wire';

export type TauKind = 'tau-agent-function-calling' | 'tau-agent-react' | 'tau-customer';

export interface TauReply {
  role: 'agent' | 'user';
  kind: TauKind;
  completion: Completion;
}

export interface TauRequestContext {
  dataDir: () => string;
  rng: Rng;
  /** Already scaled by temperature. */
  rates: ErrorRates;
  /** The react dialect of the request's system prompt (the ToolWOZ roles read it the same way). */
  dialect: (messages: Msg[]) => ReactDialect;
}

const scenarios = new Map<string, TauScenario>();

function scenarioFor(world: TauWorld, instruction: string, domain: 'retail' | 'airline'): TauScenario {
  const key = `${domain}\n${instruction}`;
  let sc = scenarios.get(key);
  if (!sc) {
    if (scenarios.size > 10_000) scenarios.clear();
    sc = parseScenario(world, instruction, domain);
    scenarios.set(key, sc);
  }
  return sc;
}

/** The τ reply to a request, or undefined when the request is not a τ one. */
export function respondTau(
  ctx: TauRequestContext,
  messages: Msg[],
  toolNames: string[],
): TauReply | undefined {
  const role = classifyTau(messages, toolNames);
  if (!role) return undefined;
  if (role.role === 'agent') {
    const protocol: TauAgentProtocol = toolNames.length
      ? { kind: 'function-calling' }
      : { kind: 'react', dialect: ctx.dialect(messages) };
    return {
      role: 'agent',
      kind: protocol.kind === 'react' ? 'tau-agent-react' : 'tau-agent-function-calling',
      completion: decideTauAgent({ rng: ctx.rng, rates: ctx.rates }, messages, toolNames, protocol),
    };
  }
  const world = getTauWorld(ctx.dataDir());
  const scenario = scenarioFor(world, role.instruction, role.domain);
  const content = nextCustomerMessage(
    { world, scenario, key: scenarioKey(role.instruction) },
    customerExchanges(messages),
  );
  return { role: 'user', kind: 'tau-customer', completion: { content } };
}

export { getTauWorld, type TauWorld } from './world';
export { parseScenario } from './customer/parse';
export type { TauScenario } from './customer/scenario';
