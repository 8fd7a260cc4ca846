// Turns an environment's "does this call satisfy this goal call" predicate into the two reward
// checks of the EnvironmentScoring interface (spec 2 step 3, spec 4.5/4.6). Pure: workflow-safe.
import type { CallMade } from '../shared/messages';
import type { EnvironmentScoring, GoalCall } from './types';

export type GoalPredicate = (goalCalls: GoalCall[], goalIndex: number, call: CallMade) => boolean;

export function scoringFrom(satisfies: GoalPredicate): EnvironmentScoring {
  return {
    // JOSH's per-turn check: remaining is a multiset of goal indices, and each call of the turn is
    // spent on at most one goal, so two identical goals need two calls.
    turnReward(goalCalls, remaining, turnCalls) {
      const used = new Set<number>();
      const rewarded: number[] = [];
      for (const goalIndex of remaining) {
        const c = turnCalls.findIndex((call, i) => !used.has(i) && satisfies(goalCalls, goalIndex, call));
        if (c < 0) continue;
        used.add(c);
        rewarded.push(goalIndex);
      }
      return rewarded;
    },
    // Evaluation metric: every goal is checked against every call of the conversation.
    conversationReward(goalCalls, calls) {
      const satisfied = goalCalls.map((_, g) => calls.some((call) => satisfies(goalCalls, g, call)));
      const count = satisfied.filter(Boolean).length;
      return { reward: goalCalls.length === 0 ? 1 : count / goalCalls.length, satisfied };
    },
  };
}
