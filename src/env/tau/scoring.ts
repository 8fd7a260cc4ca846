// The pure half of τ-bench scoring (workflow-safe: no Node imports, no data): JOSH's per-turn
// sparse reward. A call earns a remaining gold action when the tool name is the same and the
// arguments are equal as JSON values (key order never matters, list order does, 1 equals 1.0), the
// way τ-bench compares actions. The final reward (database + outputs) needs the loaded database and
// lives with the environment (index.ts).
import type { CallMade } from '../../shared/messages';
import { scoringFrom } from '../goalMatching';
import type { EnvironmentScoring, GoalCall } from '../types';

/** Deep equality of two JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** Whether one executed call is the gold action `goalIndex`. */
export function callMatchesGold(goalCalls: GoalCall[], goalIndex: number, call: CallMade): boolean {
  const gold = goalCalls[goalIndex];
  return call.name === gold.name && jsonEqual(call.arguments, gold.parameters);
}

/** turnReward: the remaining gold actions (a multiset) that a turn's calls match, one call each.
 * conversationReward: the fraction of gold actions some call matched (a diagnostic; the τ-bench
 * success metric is the environment's finalReward). */
export const tauScoring: EnvironmentScoring = scoringFrom(callMatchesGold);
