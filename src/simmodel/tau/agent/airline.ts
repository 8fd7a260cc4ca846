// The airline agent's procedure (placeholder until the full one lands): ask for the user id.
import { type Decision, say } from './actions';
import type { TauAgentContext } from './context';
import type { TauEvent } from './transcript';

export function decideAirline(_ctx: TauAgentContext, _events: TauEvent[]): Decision {
  return say('Before I can help, I need your user id.', 'Authenticate the user.');
}
