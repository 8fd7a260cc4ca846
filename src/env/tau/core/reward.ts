// τ-bench's final reward: 1 iff the DB after the agent's calls equals the DB after replaying the
// task's gold actions on a fresh copy, AND every required output appears (case-insensitive, the
// agent's commas removed) in something the agent said. τ-bench compares hashes of the whole data
// (dict keys sorted, ints and floats distinct); both states share one base, so comparing the
// records either side wrote, canonically, gives the same answer without touching the rest.
import type { BaseDb } from './db';
import { canonical, type PyValue } from './pyjson';
import { stateAfter } from './state';
import type { TauCall, TauDomain } from './types';

export interface TauReward {
  reward: number;
  info: { dbMatch: boolean; outputsMissing: string[]; dbDiff?: string[] };
}

/** Whether two states hold the same data; `diff` gets `table/id` of each record that differs. */
export function sameData(
  a: ReturnType<typeof stateAfter>,
  b: ReturnType<typeof stateAfter>,
  diff: string[],
): boolean {
  const seen = new Set<string>();
  for (const [t, id] of [...a.touched(), ...b.touched()]) {
    const key = `${t}/${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const x = a.get(t, id);
    const y = b.get(t, id);
    if (x === y) continue;
    if (x === undefined || y === undefined || canonical(x as PyValue) !== canonical(y as PyValue))
      diff.push(key);
  }
  return diff.length === 0;
}

/** Outputs not found in any agent text (τ-bench: `output.lower() in text.lower().replace(",", "")`). */
export function missingOutputs(outputs: readonly string[], agentTexts: readonly string[]): string[] {
  const texts = agentTexts.map((t) => t.toLowerCase().replaceAll(',', ''));
  return outputs.filter((o) => !texts.some((t) => t.includes(o.toLowerCase())));
}

export function finalReward(
  domain: TauDomain,
  base: BaseDb,
  calls: readonly TauCall[],
  goldActions: readonly TauCall[],
  outputs: readonly string[],
  agentTexts: readonly string[],
): TauReward {
  const after = stateAfter(domain, base, calls);
  // τ-bench replays every gold action except the terminate tools (which change nothing anyway).
  const gold = stateAfter(
    domain,
    base,
    goldActions.filter((a) => !domain.tools[a.name]?.endsConversation),
  );
  const dbDiff: string[] = [];
  const dbMatch = sameData(after, gold, dbDiff);
  const outputsMissing = missingOutputs(outputs, agentTexts);
  const reward = dbMatch && outputsMissing.length === 0 ? 1 : 0;
  return { reward, info: { dbMatch, outputsMissing, ...(dbMatch ? {} : { dbDiff }) } };
}
