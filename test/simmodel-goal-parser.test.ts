// The caller's goal parser against real MultiWOZ goals: every ToolWOZ val dialogue's goal
// sentences (markup stripped, as the caller's prompt carries them) parsed and compared with the
// dialogue's annotated goal — constraints, the booking it asks for first, fallbacks, requests.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { loadToolwozDb } from '../src/env/toolwoz/db';
import { parseGoal } from '../src/simmodel';
import { stripMarkup } from '../src/simmodel/goalParser';
import { buildWorld } from '../src/simmodel/vocab';

const DATA = resolveDataDir();
const world = buildWorld(loadToolwozDb(DATA));
const DOMAINS = ['restaurant', 'hotel', 'attraction', 'train'] as const;

type Slots = Record<string, unknown>;
interface GoalDomain {
  info?: Slots;
  fail_info?: Slots;
  book?: Slots;
  fail_book?: Slots;
  reqt?: string[];
}
type Goal = Record<string, GoalDomain | undefined> & { message: string[] };

const lower = (o: Slots | undefined, keys?: string[]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(o ?? {})
      .filter(([k, v]) => (keys ? keys.includes(k) : true) && typeof v === 'string' && v !== '')
      .map(([k, v]) => [k, String(v).toLowerCase()]),
  );
const same = (x: Record<string, string>, y: Record<string, string | undefined>): boolean =>
  JSON.stringify(Object.entries(x).sort()) ===
  JSON.stringify(
    Object.entries(y)
      .filter(([, v]) => v !== undefined)
      .sort(),
  );

function valGoals(): [string, Goal][] {
  const raw = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'val.json'), 'utf8')) as Record<
    string,
    { goal: Goal }
  >;
  return Object.entries(raw)
    .map(([id, d]) => [id, d.goal] as [string, Goal])
    .filter(([, g]) => !['taxi', 'police', 'hospital'].some((x) => Object.keys(g[x] ?? {}).length > 0));
}

void describe('goal parser on the ToolWOZ val goals', () => {
  const goals = valGoals();
  const BOOK_KEYS = ['people', 'day', 'time', 'stay'];
  let dialoguesOk = 0;
  let domains = 0;
  let infoOk = 0;
  let bookOk = 0;
  let failOk = 0;
  let failTotal = 0;
  let reqtOk = 0;
  const misses: string[] = [];
  for (const [id, g] of goals) {
    const parsed = parseGoal(g.message.map(stripMarkup), world);
    let ok = parsed.domains.every((d) => Object.keys(g[d.domain] ?? {}).length > 0);
    for (const name of DOMAINS) {
      const gd = g[name];
      if (!gd || Object.keys(gd).length === 0) continue;
      domains++;
      const pd = parsed.domains.find((d) => d.domain === name);
      // Constraints: the ones the caller ends up wanting.
      const info = same(lower(gd.info), pd?.info ?? {});
      // Booking: what the caller asks for first (the annotation keeps that in `book` unless it
      // records a failing first attempt in `fail_book`), and the fallback after a failure.
      const failBook = lower(gd.fail_book, BOOK_KEYS);
      const book = Object.keys(failBook).length
        ? same(lower(gd.book, BOOK_KEYS), pd?.book ?? {}) &&
          same({ ...lower(gd.book, BOOK_KEYS), ...failBook }, pd?.failBook ?? {})
        : same(lower(gd.book, BOOK_KEYS), pd?.failBook ?? pd?.book ?? {});
      // Fallbacks count where the sentences state one: many annotations carry a fail_info that
      // no sentence mentions (the caller cannot know it), and those are not the parser's to find.
      const failInfo = lower(gd.fail_info);
      const stated = g.message.some((m) => stripMarkup(m).startsWith(`If there is no such ${name}`));
      if (stated && Object.keys(failInfo).length) {
        failTotal++;
        if (same(failInfo, pd?.failInfo ?? {})) failOk++;
      }
      const reqt =
        [...(gd.reqt ?? [])].sort().join(',') ===
        [...(pd?.reqt ?? [])]
          .filter((r) => r !== 'reference')
          .sort()
          .join(',');
      if (info) infoOk++;
      if (book) bookOk++;
      if (reqt) reqtOk++;
      if (!info || !book) {
        ok = false;
        misses.push(`${id}/${name}`);
      }
    }
    if (ok) dialoguesOk++;
  }

  void test(`parses the goals of all ${goals.length} ToolWOZ val dialogues`, (t) => {
    t.diagnostic(
      `dialogues ${dialoguesOk}/${goals.length}, constraints ${infoOk}/${domains}, bookings ${bookOk}/${domains}, ` +
        `fallbacks ${failOk}/${failTotal}, requests ${reqtOk}/${domains}`,
    );
    assert.equal(goals.length, 793);
    // Measured when written: 792/793 dialogues agree fully (PMUL3050's train leaves at 09:30 in
    // its sentences but 09:15 in its annotation — the annotation is wrong there, not the parser);
    // constraints 1438/1439 domains, bookings 1439/1439, stated fallbacks 188/188, requests 1439/1439.
    assert.ok(dialoguesOk >= 790, `${dialoguesOk}/793 dialogues fully agree; misses: ${misses.join(' ')}`);
    assert.ok(infoOk / domains >= 0.995, `constraints agree in ${infoOk}/${domains} domains`);
    assert.ok(bookOk / domains >= 0.995, `bookings agree in ${bookOk}/${domains} domains`);
    assert.ok(failOk / failTotal >= 0.99, `fallback constraints agree in ${failOk}/${failTotal} domains`);
    assert.ok(reqtOk / domains >= 0.995, `requested attributes agree in ${reqtOk}/${domains} domains`);
  });
});

void describe('goal parser on hand-picked sentences', () => {
  void test('templated sentences, fallbacks and cross-references', () => {
    const g = parseGoal(
      [
        'You are looking for a place to stay. The hotel should include free wifi and should be in the type of guesthouse',
        'The hotel should be in the cheap price range',
        'Once you find the hotel you want to book it for 3 people and 2 nights starting from friday',
        'If the booking fails how about 1 nights',
        'Make sure you get the reference number',
        'You are also looking for a place to dine. The restaurant should serve french food and should be in the same price range as the hotel',
        'If there is no such restaurant, how about one that serves indian food',
        'Once you find the restaurant you want to book a table for the same group of people at 18:45 on the same day',
        'Make sure you get phone number and postcode',
        'You are also looking for a train. The train should leave after 08:45 and should go to cambridge',
        'The train should depart from london kings cross and should be on the same day as the restaurant booking',
      ],
      world,
    );
    assert.deepEqual(
      g.domains.map((d) => d.domain),
      ['hotel', 'restaurant', 'train'],
    );
    const [hotel, restaurant, train] = g.domains;
    assert.deepEqual(hotel.info, { internet: 'yes', type: 'guesthouse', pricerange: 'cheap' });
    assert.deepEqual(hotel.failBook, { people: '3', stay: '2', day: 'friday' });
    assert.deepEqual(hotel.book, { people: '3', stay: '1', day: 'friday' });
    assert.deepEqual(hotel.reqt, ['reference']);
    assert.deepEqual(restaurant.failInfo, { food: 'french', pricerange: 'cheap' });
    assert.deepEqual(restaurant.info, { food: 'indian', pricerange: 'cheap' });
    assert.deepEqual(restaurant.book, { people: '3', time: '18:45', day: 'friday' });
    assert.deepEqual(restaurant.reqt, ['phone', 'postcode']);
    assert.deepEqual(train.info, {
      leaveAt: '08:45',
      destination: 'cambridge',
      departure: 'london kings cross',
      day: 'friday',
    });
  });

  void test('a particular place by name resolves "same area" from the DB', () => {
    const g = parseGoal(
      [
        "You are looking for a <span class='emphasis'>particular hotel</span>. Its name is called <span class='emphasis'>worth house</span>",
        'You are also looking for places to go in town. The attraction should be in the same area as the hotel',
      ],
      world,
    );
    assert.deepEqual(g.domains[0].info, { name: 'worth house' });
    assert.deepEqual(g.domains[1].info, { area: 'north' });
    assert.deepEqual(g.domains[1].refs, []);
  });
});
