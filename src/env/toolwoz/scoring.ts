// ToolWOZ's scoring of one goal call against one call made (spec 4.5). Pure, no Node imports:
// the conversation workflow runs the per-turn reward check inside Temporal's sandbox. Everything
// it needs (the booked entity) is read from the task's own goal calls.
import type { CallMade } from '../../shared/messages';
import { scoringFrom } from '../goalMatching';
import type { EnvironmentScoring, GoalCall } from '../types';
import { isEmptyValue, isPlainObject, isSubset, splitApiName, uniqueIdKey } from './values';

/** The booked entity's unique id for a domain (its book_<domain> goal), or undefined. */
export function bookedEntityId(goalCalls: GoalCall[], domain: string): string | undefined {
  const book = goalCalls.find((g) => g.name === `book_${domain}`);
  const id = book?.parameters[uniqueIdKey(domain)];
  // ToolWOZ goal parameters are strings; an empty one names no entity.
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const nonEmpty = (params: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => !isEmptyValue(v)));

export function callSatisfiesGoal(goalCalls: GoalCall[], goalIndex: number, call: CallMade): boolean {
  const goal = goalCalls[goalIndex];
  if (call.name !== goal.name) return false;
  const { action, domain } = splitApiName(goal.name);
  const goalParams = nonEmpty(goal.parameters);
  // Booking is judged on the arguments alone (as upstream does, even for a call the tool rejected).
  if (action === 'book') return isSubset(goalParams, call.arguments);
  if (action !== 'search') return false;
  const row = call.returned;
  if (call.error || !isPlainObject(row) || Object.keys(row).length === 0) return false;
  // When the goal books this domain, only the booked entity counts as the right search result;
  // ids are compared as written, like the serving rule in tools.ts.
  const bookedId = bookedEntityId(goalCalls, domain);
  const returnsBooked = bookedId !== undefined && row[uniqueIdKey(domain)] === bookedId;
  if (isSubset(goalParams, call.arguments)) return bookedId === undefined || returnsBooked;
  if (isSubset(call.arguments, goalParams)) {
    return bookedId === undefined ? isSubset(goalParams, row) : returnsBooked;
  }
  return false;
}

export const toolwozScoring: EnvironmentScoring = scoringFrom(callSatisfiesGoal);
