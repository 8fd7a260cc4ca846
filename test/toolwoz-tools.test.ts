// Executing ToolWOZ tool calls (spec 4.4): validation, DB filtering and the search-serving rules,
// pinned on a small hand-made DB; and the real tool catalog loaded from the data directory.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { indexTable } from '../src/env/toolwoz/query';
import { executeToolCall, loadToolCatalog, type IndexedDb, type ToolCatalog } from '../src/env/toolwoz/tools';
import type { GoalCall } from '../src/env/types';

const catalog: ToolCatalog = {
  schemas: [],
  apiDefs: {},
  allowed: new Map([
    ['search_hotel', ['name', 'area', 'pricerange', 'stars', 'type']],
    ['book_hotel', ['stay', 'day', 'people', 'name']],
    ['search_train', ['leaveAt', 'destination', 'day', 'arriveBy', 'departure']],
    ['book_train', ['people', 'trainID']],
  ]),
};

const HOTELS = [
  { name: 'alpha house', area: 'north', pricerange: 'cheap', stars: '4', type: 'guesthouse' },
  { name: 'bravo lodge', area: 'north', pricerange: 'cheap', stars: '3', type: 'hotel' },
  { name: 'carol court', area: 'north', pricerange: 'expensive', stars: '4', type: 'guesthouse' },
  { name: 'delta inn', area: 'south', pricerange: 'cheap', stars: '4', type: 'guesthouse' },
];
const TRAINS = [
  {
    trainID: 'TR1',
    day: 'monday',
    departure: 'cambridge',
    destination: 'ely',
    leaveAt: '09:00',
    arriveBy: '09:20',
  },
  {
    trainID: 'TR2',
    day: 'monday',
    departure: 'cambridge',
    destination: 'ely',
    leaveAt: '09:15',
    arriveBy: '09:35',
  },
  {
    trainID: 'TR3',
    day: 'monday',
    departure: 'cambridge',
    destination: 'ely',
    leaveAt: '10:00',
    arriveBy: '10:20',
  },
  {
    trainID: 'TR4',
    day: 'tuesday',
    departure: 'cambridge',
    destination: 'ely',
    leaveAt: '11:00',
    arriveBy: '11:20',
  },
];
const db: IndexedDb = { hotel: indexTable(HOTELS), train: indexTable(TRAINS) };

const SEARCH: GoalCall = {
  name: 'search_hotel',
  parameters: { name: '', area: 'north', pricerange: 'cheap', stars: '', type: '' },
};
const BOOK: GoalCall = {
  name: 'book_hotel',
  parameters: { stay: '2', day: 'friday', people: '3', name: 'bravo lodge' },
  returns: { name: 'bravo lodge', reference: 'REF1' },
};
const BOOKING = [SEARCH, BOOK];

const run = (goals: GoalCall[], name: string, args: unknown) =>
  executeToolCall(catalog, db, goals, name, args);
const served = (goals: GoalCall[], args: Record<string, unknown>, name = 'search_hotel') => {
  const r = run(goals, name, args);
  const rows = JSON.parse(r.content) as { name?: string; trainID?: string }[];
  assert.deepEqual(r.call.returned, rows[0] ?? null, 'the scored record holds the served row');
  return rows.map((row) => row.name ?? row.trainID);
};

void describe('validation: bad calls become error results, not exceptions', () => {
  const rejected = (name: string, args: unknown, pattern: RegExp) => {
    const r = run(BOOKING, name, args);
    assert.equal(r.call.error, true);
    assert.match(r.content, /^ERROR: /);
    assert.match(r.content, pattern);
    assert.equal(r.call.returned, r.content);
  };

  void test('unknown API name', () => rejected('search_taxi', {}, /unknown API "search_taxi"/));
  void test('a parameter the API does not take', () =>
    rejected('search_hotel', { area: 'north', food: 'thai' }, /"food"/));
  void test('list values', () => rejected('search_hotel', { area: ['north', 'south'] }, /lists and objects/));
  void test('object values', () => rejected('book_hotel', { name: { first: 'bravo' } }, /lists and objects/));
  void test('parameters that are not an object', () => {
    for (const args of ['{"area": "north"', ['north'], null, 7])
      rejected('search_hotel', args, /JSON object/);
  });
  void test('the scored record keeps the object arguments of a rejected call', () => {
    assert.deepEqual(run(BOOKING, 'search_hotel', { food: 'x' }).call.arguments, { food: 'x' });
    assert.deepEqual(run(BOOKING, 'search_hotel', 'text').call.arguments, {});
  });
});

void describe('DB filtering', () => {
  const none: GoalCall[] = [];
  void test('equality after normalising the arguments (case, apostrophes)', () => {
    assert.deepEqual(served(none, { name: 'Bravo Lodge' }), ['bravo lodge']);
    assert.deepEqual(served(none, { name: "bravo lodge's" }), []);
  });
  void test('every empty spelling constrains nothing', () => {
    for (const v of ['', 'dont care', "don't care", "do n't care", 'dontcare', 'not mentioned']) {
      assert.deepEqual(served(none, { area: 'south', stars: v }), ['delta inn'], v);
    }
  });
  void test('leaveAt keeps rows leaving strictly later, arriveBy rows arriving strictly earlier', () => {
    const monday = { day: 'monday', destination: 'ely' };
    assert.deepEqual(
      served(none, { ...monday, leaveAt: '09:00' }, 'search_train'),
      ['TR2'],
      'first row of TR2, TR3',
    );
    assert.equal(run(none, 'search_train', { ...monday, leaveAt: '10:00' }).content, '[]');
    assert.deepEqual(served(none, { ...monday, arriveBy: '09:35' }, 'search_train'), ['TR1']);
    assert.equal(run(none, 'search_train', { ...monday, arriveBy: '09:20' }).content, '[]');
  });
  void test('no matching rows: [] and a null result', () => {
    const r = run(BOOKING, 'search_hotel', { area: 'east' });
    assert.equal(r.content, '[]');
    assert.equal(r.call.returned, null);
    assert.equal(r.call.error, undefined);
  });
});

void describe('serving one row per search', () => {
  void test('a domain the goal does not search: the first row', () => {
    assert.deepEqual(served(BOOKING, { day: 'monday' }, 'search_train'), ['TR1']);
  });

  void test('goal ⊆ arguments, goal books: the booked entity when among the rows', () => {
    assert.deepEqual(served(BOOKING, { area: 'north', pricerange: 'cheap' }), ['bravo lodge']);
    assert.deepEqual(served(BOOKING, { area: 'North', pricerange: 'cheap', stars: "don't care" }), [
      'bravo lodge',
    ]);
  });

  void test('goal ⊆ arguments, goal books, booked entity filtered out: the wrong row, else []', () => {
    // stars 4 removes bravo; every remaining row satisfies the goal, so there is no wrong row either.
    assert.deepEqual(served(BOOKING, { area: 'north', pricerange: 'cheap', stars: '4' }), []);
    // A goal with a range constraint: rows leaving later than asked do not equal the goal's value.
    const trainGoals: GoalCall[] = [
      {
        name: 'search_train',
        parameters: { day: 'monday', leaveAt: '09:00', destination: '', arriveBy: '', departure: '' },
      },
      { name: 'book_train', parameters: { people: '1', trainID: 'TR1' } },
    ];
    assert.deepEqual(
      served(trainGoals, { day: 'monday', leaveAt: '09:00' }, 'search_train'),
      ['TR3'],
      'last non-goal row',
    );
  });

  void test('goal ⊆ arguments, goal only searches: the first row', () => {
    assert.deepEqual(served([SEARCH], { area: 'north', pricerange: 'cheap' }), ['alpha house']);
  });

  void test('arguments ⊆ goal: the LAST row that breaks the goal', () => {
    assert.deepEqual(served(BOOKING, { area: 'north' }), ['carol court']);
    assert.deepEqual(served(BOOKING, { pricerange: 'cheap' }), ['delta inn']);
    assert.deepEqual(served([SEARCH], { pricerange: 'cheap' }), ['delta inn']);
  });

  void test('arguments ⊆ goal with no row breaking it: the booked entity, else the first row', () => {
    const goals: GoalCall[] = [
      { name: 'search_hotel', parameters: { area: 'north', type: 'hotel', name: '' } },
      { name: 'book_hotel', parameters: { name: 'bravo lodge' } },
    ];
    assert.deepEqual(served(goals, { type: 'hotel' }), ['bravo lodge']);
    const searchOnly: GoalCall[] = [
      { name: 'search_hotel', parameters: { area: 'north', stars: '4', type: 'guesthouse' } },
    ];
    assert.deepEqual(served(searchOnly, { stars: '4', type: 'guesthouse', area: 'north' }), ['alpha house']);
    assert.deepEqual(served(searchOnly, { type: 'hotel' }), ['bravo lodge'], 'neither subset: first row');
  });

  void test('neither subset: the first row', () => {
    assert.deepEqual(served(BOOKING, { area: 'north', stars: '4' }), ['alpha house']);
  });
});

void describe('booking', () => {
  void test('goal booking parameters ⊆ arguments: success with the booked entity', () => {
    const r = run(BOOKING, 'book_hotel', { stay: '2', day: 'Friday', people: '3', name: 'Bravo Lodge' });
    assert.deepEqual(JSON.parse(r.content), {
      success: true,
      return: { name: 'bravo lodge', reference: 'REF1' },
    });
    assert.deepEqual(r.call.returned, JSON.parse(r.content));
  });
  void test('anything else fails with an empty return', () => {
    const fail = { success: false, return: {} };
    assert.deepEqual(
      JSON.parse(run(BOOKING, 'book_hotel', { stay: '2', day: 'friday', name: 'bravo lodge' }).content),
      fail,
    );
    assert.deepEqual(
      JSON.parse(
        run(BOOKING, 'book_hotel', { stay: '2', day: 'friday', people: 3, name: 'bravo lodge' }).content,
      ),
      fail,
      'numbers are not strings',
    );
    assert.deepEqual(
      JSON.parse(run([SEARCH], 'book_hotel', BOOK.parameters).content),
      fail,
      'the goal books nothing',
    );
  });
});

void test('the real catalog: 8 tools, all parameters allowed by valid_api_defs.json', () => {
  const real = loadToolCatalog(resolveDataDir(undefined, path.resolve(__dirname, '..')));
  assert.equal(real.schemas.length, 8);
  assert.deepEqual([...real.allowed.keys()].sort(), [
    'book_attraction',
    'book_hotel',
    'book_restaurant',
    'book_train',
    'search_attraction',
    'search_hotel',
    'search_restaurant',
    'search_train',
  ]);
  for (const tool of real.schemas) {
    const props = Object.keys((tool.function.parameters.properties ?? {}) as object);
    assert.deepEqual(props.sort(), [...real.allowed.get(tool.function.name)!].sort(), tool.function.name);
  }
});
