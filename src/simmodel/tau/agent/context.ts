// What one τ agent decision gets besides the conversation: its PRNG (seeded by the request) and
// its error rates, already scaled by the request's temperature (errorModel.ts).
import type { ErrorRates } from '../../errorModel';
import type { Rng } from '../../rng';

export interface TauAgentContext {
  rng: Rng;
  rates: ErrorRates;
}
