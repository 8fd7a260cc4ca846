// ToolWOZ scoring rules (spec 4.5) and the value rules under them, pinned with hand-made cases.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { getScoring } from '../src/env/scoring';
import { callSatisfiesGoal, toolwozScoring } from '../src/env/toolwoz/scoring';
import { isEmptyValue, isSubset, normalizeValue } from '../src/env/toolwoz/values';
import type { GoalCall } from '../src/env/types';
import type { CallMade } from '../src/shared/messages';

const search = (args: Record<string, unknown>, returned: unknown, error = false): CallMade => ({
  name: 'search_hotel',
  arguments: args,
  returned,
  ...(error ? { error } : {}),
});

const SEARCH_GOAL: GoalCall = {
  name: 'search_hotel',
  parameters: { name: '', area: 'north', pricerange: 'cheap', stars: 'dont care', type: '' },
};
const BOOK_GOAL: GoalCall = {
  name: 'book_hotel',
  parameters: { stay: '2', day: 'friday', people: '3', name: 'bravo lodge' },
  returns: { name: 'bravo lodge', reference: 'REF1' },
};
const BOOKING = [SEARCH_GOAL, BOOK_GOAL];
const SEARCH_ONLY = [SEARCH_GOAL];
const bravo = { name: 'bravo lodge', area: 'north', pricerange: 'cheap', stars: '3' };
const alpha = { name: 'alpha house', area: 'north', pricerange: 'cheap', stars: '4' };
const south = { name: 'delta inn', area: 'south', pricerange: 'cheap', stars: '4' };

void describe('values', () => {
  void test('every empty spelling is empty, as written or after normalising; other values are not', () => {
    for (const v of [
      '',
      'dont care',
      "don't care",
      "do n't care",
      'dontcare',
      'not mentioned',
      "Don't Care",
      'NOT MENTIONED',
    ]) {
      assert.equal(isEmptyValue(v), true, v);
    }
    for (const v of ['north', ' ', 'none', 0, null, undefined, false])
      assert.equal(isEmptyValue(v), false, String(v));
  });

  void test('normalising lower-cases and strips apostrophes, and leaves non-strings alone', () => {
    assert.equal(normalizeValue("Nando's CITY centre"), 'nandos city centre');
    assert.equal(normalizeValue(3), 3);
    assert.equal(normalizeValue(null), null);
  });

  void test('isSubset drops empty values on both sides and compares normalised values', () => {
    assert.equal(isSubset({ area: 'North', name: '' }, { area: 'north', pricerange: 'cheap' }), true);
    assert.equal(isSubset({ name: "Nando's" }, { name: 'nandos' }), true);
    assert.equal(isSubset({ area: 'north', stars: "don't care" }, { area: 'north' }), true);
    assert.equal(
      isSubset({ area: 'north' }, { area: 'dont care' }),
      false,
      'an empty value on the right is absent',
    );
    assert.equal(isSubset({ area: 'north' }, {}), false);
    assert.equal(isSubset({ area: 'north', pricerange: 'cheap' }, { area: 'north' }), false);
    assert.equal(isSubset({}, {}), true);
    assert.equal(isSubset({ people: '3' }, { people: 3 }), false, 'a number never equals a string');
  });
});

void describe('book_<d> goals', () => {
  const book = (args: Record<string, unknown>, error = false): CallMade => ({
    name: 'book_hotel',
    arguments: args,
    returned: { success: true, return: {} },
    ...(error ? { error } : {}),
  });

  void test('satisfied by arguments that contain every non-empty goal parameter (normalised, extras allowed)', () => {
    assert.equal(
      callSatisfiesGoal(BOOKING, 1, book({ stay: '2', day: 'Friday', people: '3', name: 'Bravo Lodge' })),
      true,
    );
    assert.equal(
      callSatisfiesGoal(
        BOOKING,
        1,
        book({ stay: '2', day: 'friday', people: '3', name: 'bravo lodge', x: 'y' }),
      ),
      true,
    );
  });

  void test('not satisfied when a goal parameter is missing, different or empty in the call', () => {
    assert.equal(
      callSatisfiesGoal(BOOKING, 1, book({ stay: '2', day: 'friday', name: 'bravo lodge' })),
      false,
    );
    assert.equal(
      callSatisfiesGoal(BOOKING, 1, book({ stay: '2', day: 'friday', people: '4', name: 'bravo lodge' })),
      false,
    );
    assert.equal(
      callSatisfiesGoal(BOOKING, 1, book({ stay: '2', day: 'friday', people: '', name: 'bravo lodge' })),
      false,
    );
  });

  void test('an empty goal parameter is not required', () => {
    const goals: GoalCall[] = [
      { name: 'book_hotel', parameters: { stay: '', day: 'friday', people: '3', name: 'x' } },
    ];
    assert.equal(callSatisfiesGoal(goals, 0, book({ day: 'friday', people: '3', name: 'x' })), true);
  });

  void test('judged on arguments alone, as upstream does, even for a call the tool rejected', () => {
    const args = { stay: '2', day: 'friday', people: '3', name: 'bravo lodge' };
    assert.equal(callSatisfiesGoal(BOOKING, 1, book(args, true)), true);
  });

  void test('another API name never satisfies it', () => {
    assert.equal(
      callSatisfiesGoal(BOOKING, 1, { ...book(BOOK_GOAL.parameters), name: 'book_restaurant' }),
      false,
    );
  });
});

void describe('search_<d> goals', () => {
  void test('goal ⊆ arguments, booked entity in the goal: only the booked entity as the result counts', () => {
    const args = { area: 'north', pricerange: 'cheap', stars: '3' };
    assert.equal(callSatisfiesGoal(BOOKING, 0, search(args, bravo)), true);
    assert.equal(callSatisfiesGoal(BOOKING, 0, search(args, alpha)), false);
  });

  void test('goal ⊆ arguments, no booked entity: any non-empty result counts', () => {
    assert.equal(
      callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'north', pricerange: 'cheap' }, alpha)),
      true,
    );
    assert.equal(
      callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'north', pricerange: 'cheap' }, south)),
      true,
    );
  });

  void test('arguments ⊆ goal, no booked entity: the result must satisfy the goal', () => {
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'north' }, alpha)), true);
    assert.equal(
      callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'north' }, { ...alpha, pricerange: 'expensive' })),
      false,
    );
  });

  void test('arguments ⊆ goal, booked entity in the goal: the result must be the booked entity', () => {
    assert.equal(callSatisfiesGoal(BOOKING, 0, search({ area: 'north' }, bravo)), true);
    assert.equal(callSatisfiesGoal(BOOKING, 0, search({ area: 'north' }, alpha)), false);
  });

  void test('the booked entity is matched by its id as written (no normalising)', () => {
    assert.equal(
      callSatisfiesGoal(
        BOOKING,
        0,
        search({ area: 'north', pricerange: 'cheap' }, { ...bravo, name: 'Bravo Lodge' }),
      ),
      false,
    );
  });

  void test('neither subset: not satisfied, whatever the result', () => {
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'north', type: 'hotel' }, alpha)), false);
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search({ area: 'south' }, alpha)), false);
  });

  void test('an empty result, an error, or no result never counts', () => {
    const args = { area: 'north', pricerange: 'cheap' };
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search(args, null)), false);
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search(args, {})), false);
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search(args, 'ERROR: invalid API call', true)), false);
  });

  void test('empty spellings and apostrophes in the arguments do not matter', () => {
    const args = {
      area: 'North',
      pricerange: 'cheap',
      stars: "don't care",
      name: 'not mentioned',
      type: "do n't care",
    };
    assert.equal(callSatisfiesGoal(SEARCH_ONLY, 0, search(args, alpha)), true);
    const nandos: GoalCall[] = [{ name: 'search_restaurant', parameters: { name: 'nandos' } }];
    const call: CallMade = {
      name: 'search_restaurant',
      arguments: { name: "Nando's" },
      returned: { name: 'nandos' },
    };
    assert.equal(callSatisfiesGoal(nandos, 0, call), true);
  });
});

void describe('rewards', () => {
  const scoring = getScoring('toolwoz');
  const bookCall: CallMade = { name: 'book_hotel', arguments: BOOK_GOAL.parameters, returned: {} };

  void test('the registry serves the ToolWOZ scoring and rejects unknown names', () => {
    assert.equal(scoring, toolwozScoring);
    assert.throws(() => getScoring('nope'), /unknown environment "nope"/);
  });

  void test('turnReward checks only the remaining goals, each consumed once per call', () => {
    const good = search({ area: 'north', pricerange: 'cheap' }, bravo);
    assert.deepEqual(scoring.turnReward(BOOKING, [0, 1], [good]), [0]);
    assert.deepEqual(scoring.turnReward(BOOKING, [1], [good]), []);
    assert.deepEqual(scoring.turnReward(BOOKING, [0, 1], [bookCall, good]), [0, 1]);
    assert.deepEqual(scoring.turnReward(BOOKING, [], [bookCall, good]), []);
  });

  void test('turnReward treats remaining as a multiset: two identical goals need two calls', () => {
    const twice = [SEARCH_GOAL, SEARCH_GOAL];
    const good = search({ area: 'north', pricerange: 'cheap' }, alpha);
    assert.deepEqual(scoring.turnReward(twice, [0, 1], [good]), [0]);
    assert.deepEqual(scoring.turnReward(twice, [0, 1], [good, good]), [0, 1]);
  });

  void test('conversationReward: satisfied goals over all goals; no calls is 0', () => {
    assert.deepEqual(scoring.conversationReward(BOOKING, []), { reward: 0, satisfied: [false, false] });
    assert.deepEqual(scoring.conversationReward(BOOKING, [bookCall]), {
      reward: 0.5,
      satisfied: [false, true],
    });
    const good = search({ area: 'north', pricerange: 'cheap' }, bravo);
    assert.deepEqual(scoring.conversationReward(BOOKING, [good, bookCall, good]), {
      reward: 1,
      satisfied: [true, true],
    });
  });
});

void test('the scoring modules import no Node built-ins (the workflow sandbox loads them)', () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)';/gm)) {
      const [, typeOnly, spec] = m;
      if (typeOnly) continue;
      assert.ok(spec.startsWith('.'), `${path.relative(process.cwd(), file)} imports ${spec}`);
      visit(path.resolve(path.dirname(file), `${spec}.ts`));
    }
  };
  visit(path.resolve(__dirname, '..', 'src', 'env', 'scoring.ts'));
  assert.ok(seen.size >= 4, [...seen].join(', '));
});
