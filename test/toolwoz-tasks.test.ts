// ToolWOZ tasks from the data directory: split counts, goal calls, golden replay over the FULL
// splits (422/450 test, 755/793 val), both MultiWOZ layouts, and loader errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { createToolwozEnvironment } from '../src/env/toolwoz';
import { UnknownTaskError, type Environment, type Task } from '../src/env/types';
import { UserError } from '../src/util/errors';
import { resolveTaskIds } from '../src/activities/env';

const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..'));
const env = getEnvironment('toolwoz', DATA);

/** Golden replay through the public interface: each goal call executed in order, then scored. */
function replay(e: Environment, task: Task): number {
  const calls = task.goalCalls.map((g) => e.executeCall(task, g.name, g.parameters, []).call);
  return e.conversationReward(task.goalCalls, calls).reward;
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

void describe('splits', () => {
  let test450: Task[];
  let fullTest: Task[];
  let val: Task[];
  before(() => {
    test450 = env.listTasks('test');
    fullTest = env.listTasks('full_test');
    val = env.listTasks('val');
  });

  void test('805 ToolWOZ test dialogues, the first 450 in test, 793 in val', () => {
    assert.equal(fullTest.length, 805);
    assert.equal(test450.length, 450);
    assert.equal(val.length, 793);
    assert.deepEqual(
      test450.map((t) => t.id),
      fullTest.slice(0, 450).map((t) => t.id),
    );
  });

  void test('ids carry .json, are sorted and unique, and no task uses taxi, police or hospital', () => {
    for (const tasks of [fullTest, val]) {
      const ids = tasks.map((t) => t.id);
      assert.ok(
        ids.every((id) => /^[A-Z]+\d+\.json$/.test(id)),
        ids.find((id) => !id.endsWith('.json')),
      );
      assert.deepEqual(ids, [...ids].sort());
      assert.equal(new Set(ids).size, ids.length);
      for (const t of tasks) {
        assert.ok(
          t.domains.length > 0 &&
            t.domains.every((d) => ['hotel', 'attraction', 'train', 'restaurant'].includes(d)),
        );
        assert.ok(t.goalCalls.length > 0, t.id);
      }
    }
  });

  void test('golden replay over the full splits: exactly 422/450 test and 755/793 val reach 1.0', () => {
    const solved = (tasks: Task[]) => tasks.filter((t) => replay(env, t) === 1);
    assert.equal(solved(test450).length, 422);
    assert.equal(solved(val).length, 755);
    for (const t of [...test450, ...val]) assert.equal(t.solvable, replay(env, t) === 1, t.id);
  });

  void test('finalReward is the conversation reward of the calls, with which goals were satisfied', () => {
    for (const t of test450) {
      const golden = t.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters }));
      const made = golden.map((c) => env.executeCall(t, c.name, c.arguments, []).call);
      const expected = env.conversationReward(t.goalCalls, made);
      // What the agent said plays no part in ToolWOZ's reward.
      const final = env.finalReward(t, golden, ['anything the agent said']);
      assert.deepEqual(final, { reward: expected.reward, info: { satisfied: expected.satisfied } }, t.id);
      assert.equal(final.reward === 1, t.solvable, t.id);
    }
    const t = test450[0];
    // Only the first goal call made: the rest are unsatisfied.
    const first = env.finalReward(
      t,
      [{ name: t.goalCalls[0].name, arguments: t.goalCalls[0].parameters }],
      [],
    );
    assert.equal(first.reward, 1 / t.goalCalls.length);
    assert.deepEqual(first.info.satisfied, [true, ...t.goalCalls.slice(1).map(() => false)]);
    assert.deepEqual(env.finalReward(t, [], []), {
      reward: 0,
      info: { satisfied: t.goalCalls.map(() => false) },
    });
  });

  void test('executing no calls yields 0 for every task', () => {
    for (const t of [...fullTest, ...val])
      assert.equal(env.conversationReward(t.goalCalls, []).reward, 0, t.id);
  });

  void test('train dialogues are absent from this data: a clear error', () => {
    assert.throws(
      () => env.listTasks('train'),
      (e: Error) => e instanceof UserError && /train dialogues.*absent/.test(e.message),
    );
  });

  void test('an unknown split names the known ones', () => {
    assert.throws(
      () => env.listTasks('dev'),
      /unknown ToolWOZ split "dev" \(splits: train, val, test, full_test\)/,
    );
  });
});

void describe('goal calls', () => {
  void test('MUL0003: search + book per domain, parameters in API order, the booked entity as returns', () => {
    const t = env.getTask('MUL0003.json');
    assert.deepEqual(t.domains, ['hotel', 'restaurant']);
    assert.equal(
      t.goalMessage[1],
      'You are looking for a place to stay. The hotel should include free wifi and should be in the type of guesthouse',
    );
    assert.deepEqual(t.goalCalls, [
      {
        name: 'search_hotel',
        parameters: {
          name: '',
          area: '',
          parking: 'yes',
          pricerange: 'cheap',
          stars: '',
          internet: 'yes',
          type: 'guesthouse',
        },
      },
      {
        name: 'book_hotel',
        parameters: { stay: '4', day: 'sunday', people: '6', name: 'alexander bed and breakfast' },
        returns: { name: 'alexander bed and breakfast', reference: 'JXVKZ7KV' },
      },
      {
        name: 'search_restaurant',
        parameters: { food: 'italian', pricerange: 'cheap', name: '', area: 'centre' },
      },
      {
        name: 'book_restaurant',
        parameters: { time: '18:45', day: 'sunday', people: '6', name: 'ask' },
        returns: { name: 'ask', reference: 'Y2Y8QYBY' },
      },
    ]);
    // MultiWOZ noise: "ask" is not the DB's name for it, so the restaurant search cannot be served right.
    assert.equal(t.solvable, false);
    assert.equal(replay(env, t), 0.75);
  });

  void test('a booked entry missing its name is filled from the belief state (MUL0744)', () => {
    const book = env.getTask('MUL0744').goalCalls.find((g) => g.name === 'book_hotel')!;
    assert.equal(book.parameters.name, 'holiday inn cambridge');
    assert.deepEqual(book.returns, { reference: 'XJW0KU7Q', name: 'holiday inn cambridge' });
  });

  void test('no goal markup survives in goalMessage', () => {
    for (const t of env.listTasks('val'))
      assert.ok(
        t.goalMessage.every((s) => !/[<>]/.test(s)),
        t.id,
      );
  });

  void test('getTask accepts ids with or without .json and caches the task', () => {
    assert.equal(env.getTask('MUL0003'), env.getTask('MUL0003.json'));
    assert.equal(
      env.listTasks('test').find((t) => t.id === 'MUL0003.json'),
      env.getTask('MUL0003.json'),
    );
  });

  void test('unknown ids and non-ToolWOZ dialogues are UnknownTaskError', () => {
    assert.throws(() => env.getTask('NOPE0001.json'), UnknownTaskError);
    const taxi = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')) as Record<
      string,
      { goal: { taxi: object } }
    >;
    const taxiId = Object.keys(taxi).find((id) => Object.keys(taxi[id].goal.taxi).length > 0)!;
    assert.throws(() => env.getTask(`${taxiId}.json`), /its goal uses taxi, police or hospital/);
  });
});

void describe('the full-release layout (data.json + id lists)', () => {
  void test('val from a data.json with the official lists gives the same tasks as the split files', () => {
    const dir = tempDir('josh-toolwoz-full-');
    fs.mkdirSync(path.join(dir, 'multiwoz'));
    fs.symlinkSync(path.join(DATA, 'toolwoz'), path.join(dir, 'toolwoz'));
    fs.symlinkSync(path.join(DATA, 'multiwoz', 'val.json'), path.join(dir, 'multiwoz', 'data.json'));
    fs.copyFileSync(
      path.join(DATA, 'toolwoz', 'data', 'testListFile.json'),
      path.join(dir, 'multiwoz', 'testListFile.json'),
    );
    // The release names its lists .txt; both spellings load.
    fs.copyFileSync(
      path.join(DATA, 'toolwoz', 'data', 'valListFile.json'),
      path.join(dir, 'multiwoz', 'valListFile.txt'),
    );
    const full = createToolwozEnvironment(dir);
    const val = full.listTasks('val');
    assert.equal(val.length, 793);
    assert.equal(val.filter((t) => t.solvable).length, 755);
    assert.deepEqual(val, env.listTasks('val'));
    assert.deepEqual(full.listTasks('train'), [], 'every dialogue of this data.json is on the val list');
  });

  void test('keys with .json, train = ToolWOZ dialogues on neither list', () => {
    const source = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const dir = tempDir('josh-toolwoz-small-');
    fs.mkdirSync(path.join(dir, 'multiwoz'));
    fs.symlinkSync(path.join(DATA, 'toolwoz'), path.join(dir, 'toolwoz'));
    const data = {
      'MUL0003.json': source.MUL0003,
      'SNG0073.json': source.SNG0073,
      'XTRA0001.json': source.MUL0003,
    };
    fs.writeFileSync(path.join(dir, 'multiwoz', 'data.json'), JSON.stringify(data));
    fs.writeFileSync(path.join(dir, 'multiwoz', 'testListFile.json'), 'MUL0003.json\n');
    fs.writeFileSync(path.join(dir, 'multiwoz', 'valListFile.json'), 'SNG0073.json\r\n\r\n');
    const small = createToolwozEnvironment(dir);
    assert.deepEqual(
      small.listTasks('full_test').map((t) => t.id),
      ['MUL0003.json'],
    );
    assert.deepEqual(
      small.listTasks('train').map((t) => t.id),
      ['XTRA0001.json'],
    );
    assert.deepEqual(small.getTask('XTRA0001.json').goalCalls, env.getTask('MUL0003.json').goalCalls);
  });
});

void describe('loader errors name the file, dialogue and field', () => {
  function layoutWith(testJson: string, dbFiles = ['restaurant', 'hotel', 'attraction', 'train']): string {
    const dir = tempDir('josh-toolwoz-bad-');
    fs.mkdirSync(path.join(dir, 'multiwoz'));
    fs.copyFileSync(path.join(DATA, 'multiwoz', 'splits.json'), path.join(dir, 'multiwoz', 'splits.json'));
    fs.writeFileSync(path.join(dir, 'multiwoz', 'test.json'), testJson);
    fs.mkdirSync(path.join(dir, 'toolwoz', 'db'), { recursive: true });
    fs.symlinkSync(path.join(DATA, 'toolwoz', 'data'), path.join(dir, 'toolwoz', 'data'));
    for (const d of dbFiles)
      fs.copyFileSync(
        path.join(DATA, 'toolwoz', 'db', `${d}_db.json`),
        path.join(dir, 'toolwoz', 'db', `${d}_db.json`),
      );
    return dir;
  }
  const source = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')) as Record<
    string,
    { goal: Record<string, unknown> }
  >;

  void test('a wrong type in a goal', () => {
    const bad = structuredClone(source.MUL0003);
    (bad.goal.hotel as { info: Record<string, unknown> }).info.stars = 4;
    const dir = layoutWith(JSON.stringify({ MUL0003: bad }));
    assert.throws(
      () => createToolwozEnvironment(dir).listTasks('test'),
      (e: Error) =>
        e instanceof UserError &&
        e.message.includes(path.join(dir, 'multiwoz', 'test.json')) &&
        /dialogue MUL0003: field goal\.hotel\.info\.stars: .*expected string/.test(e.message),
    );
  });

  void test('not JSON at all', () => {
    const dir = layoutWith('{"MUL0003": ');
    assert.throws(
      () => createToolwozEnvironment(dir).listTasks('test'),
      /test\.json: MultiWOZ dialogues is not valid JSON/,
    );
  });

  void test('a missing DB file', () => {
    const dir = layoutWith(JSON.stringify({ MUL0003: source.MUL0003 }), [
      'restaurant',
      'attraction',
      'train',
    ]);
    assert.throws(
      () => createToolwozEnvironment(dir).listTasks('test'),
      /hotel_db\.json: cannot read the hotel database \(file not found\)/,
    );
  });

  void test('no MultiWOZ data at all points to data fetch', () => {
    const dir = tempDir('josh-toolwoz-empty-');
    assert.throws(() => createToolwozEnvironment(dir).listTasks('val'), /no MultiWOZ data .*josh data fetch/);
  });
});

void test("a run's skipped-unsolvable count is the unsolvable tasks its window passed over, not the split's", () => {
  const all = env.listTasks('val');
  const unsolvable = all.filter((t) => !t.solvable).length;
  assert.ok(unsolvable > 3, 'val has unsolvable tasks to skip');
  const base = { env: 'toolwoz', split: 'val', start: 0, includeUnsolvable: false };
  // The whole split: every unsolvable task was skipped.
  assert.equal(resolveTaskIds(DATA, base).skippedUnsolvable, unsolvable);
  // The first two solvable tasks: only the unsolvable ones before the second.
  const second = all.indexOf(all.filter((t) => t.solvable)[1]);
  const before2 = all.slice(0, second).filter((t) => !t.solvable).length;
  const two = resolveTaskIds(DATA, { ...base, limit: 2 });
  assert.equal(two.taskIds.length, 2);
  assert.equal(two.skippedUnsolvable, before2);
  assert.ok(two.skippedUnsolvable < unsolvable);
  // Everything run: nothing skipped.
  assert.equal(resolveTaskIds(DATA, { ...base, limit: 2, includeUnsolvable: true }).skippedUnsolvable, 0);
});
