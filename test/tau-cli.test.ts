// `josh tasks` and `josh score` on the τ environments, as a user runs them: child processes,
// stable JSONL, τ-bench's tool texts as returns, the final reward, and one-line errors (exit 1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { scoreLine, rawCallArguments } from '../src/cli/commands/score';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import type { PriorCall } from '../src/env/types';
import { joshSync } from './helpers/cli';
import { TAU_SPLIT_COUNTS, writeGoldCalls } from './helpers/tau';

const josh = joshSync;
const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');

function assertOneLineError(r: ReturnType<typeof josh>, pattern: RegExp, status = 1): void {
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.equal(r.stdout, '');
}

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-tau-cli-'));
const lines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

interface TaskLine {
  id: string;
  goalMessage: string[];
  goalCalls: { name: string; parameters: Record<string, unknown> }[];
  outputs: string[];
  solvable: boolean;
}

const printed = new Map<string, TaskLine[]>();

void describe('josh tasks on τ environments', () => {
  for (const [env, split, n] of TAU_SPLIT_COUNTS) {
    void test(`${env} ${split}: ${n} tasks, stable key order, all solvable by golden replay`, () => {
      const r = josh('tasks', '--env', env, '--split', split);
      assert.equal(r.status, 0, r.stderr);
      const tasks = lines(r.stdout);
      assert.equal(tasks.length, n);
      for (const t of tasks) {
        const keys = Object.keys(t);
        assert.deepEqual(
          keys,
          'userId' in t
            ? ['id', 'domains', 'goalMessage', 'userId', 'goalCalls', 'outputs', 'solvable']
            : ['id', 'domains', 'goalMessage', 'goalCalls', 'outputs', 'solvable'],
        );
        assert.equal(t.solvable, true, String(t.id));
      }
      if (env !== 'tau2-retail')
        assert.equal(tasks.filter((t) => 'userId' in t).length, n, 'v1 tasks name their user');
      printed.set(`${env} ${split}`, tasks as unknown as TaskLine[]);
    });
  }

  void test('--tasks picks ids; a wrong split or id is one line', () => {
    const r = josh('tasks', '--env', 'tau2-retail', '--tasks', '2,0', '--split', 'base');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      lines(r.stdout).map((t) => t.id),
      ['2', '0'],
    );
    assertOneLineError(
      josh('tasks', '--env', 'tau-airline', '--split', 'train'),
      /tau-airline has no split "train" \(splits: test\)/,
      2,
    );
    assertOneLineError(
      josh('tasks', '--env', 'tau-retail', '--tasks', 'test-115'),
      /unknown task id "test-115"/,
      2,
    );
    assertOneLineError(
      josh('tasks', '--env', 'tau-retail', '--tasks', 'dev-1', '--split', 'test'),
      /task dev-1 is not in the test split/,
      2,
    );
  });
});

void describe('josh score on τ environments', () => {
  void test("golden replay through the CLI: gold actions + outputs score 1 on every test task; returns are the tools' texts", () => {
    const tasks = printed.get('tau-retail test');
    assert.ok(tasks, 'runs after the josh tasks test');
    const dir = tempDir();
    const input = path.join(dir, 'in.jsonl');
    writeGoldCalls(input, tasks, true);
    const out = path.join(dir, 'out.jsonl');
    const r = josh('score', '--env', 'tau-retail', '--in', input, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /scored 115 conversations: mean reward 1\.0000, success 115\/115/);
    const scored = lines(fs.readFileSync(out, 'utf8'));
    for (const s of scored) {
      assert.deepEqual(Object.keys(s), ['id', 'calls', 'messages', 'returns', 'reward']);
      const returns = s.returns as unknown[];
      assert.equal(returns.length, (s.calls as unknown[]).length);
      for (const x of returns) assert.equal(typeof x, 'string');
    }
    // Without the outputs said, the tasks that require some fail.
    writeGoldCalls(input, tasks, false);
    const silent = josh('score', '--env', 'tau-retail', '--in', input, '--out', out);
    const withOutputs = tasks.filter((t) => t.outputs.length > 0).length;
    assert.ok(withOutputs > 0);
    assert.match(silent.stdout, new RegExp(`success ${115 - withOutputs}/115`));
  });

  void test('calls run against the state the earlier ones left; argument text as the agent sent it', () => {
    const tasks = printed.get('tau-retail train');
    assert.ok(tasks);
    const task = tasks.find((t) => t.goalCalls.some((g) => g.name === 'cancel_pending_order'))!;
    const cancel = task.goalCalls.find((g) => g.name === 'cancel_pending_order')!;
    const order = JSON.stringify({ order_id: cancel.parameters.order_id });
    const input = path.join(tempDir(), 'in.jsonl');
    const calls = [
      { name: 'get_order_details', arguments: order },
      { name: 'cancel_pending_order', arguments: cancel.parameters },
      { name: 'get_order_details', arguments: JSON.parse(order) as object },
      { name: 'cancel_pending_order', arguments: cancel.parameters },
      { name: 'no_such_tool', arguments: {} },
      { name: 'get_order_details', arguments: {} },
    ];
    fs.writeFileSync(input, JSON.stringify({ id: task.id, calls, note: 'kept' }) + '\n');
    const r = josh('score', '--env', 'tau-retail', '--in', input);
    assert.equal(r.status, 0, r.stderr);
    const [line] = lines(r.stdout);
    const returns = line.returns as string[];
    assert.match(returns[0], /"status": "pending"/);
    assert.match(returns[1], /"status": "cancelled"/);
    assert.equal(returns[2], returns[1]);
    assert.equal(returns[3], 'Error: non-pending order cannot be cancelled');
    assert.equal(returns[4], 'Unknown action no_such_tool');
    assert.match(returns[5], /^Error: .*missing 1 required positional argument: 'order_id'/);
    assert.equal(line.note, 'kept');
    assert.equal(typeof line.reward, 'number');
  });

  void test('arguments are read as Python reads them: 6.0 stays a float in the database and the text', () => {
    const input = path.join(tempDir(), 'in.jsonl');
    const args =
      '{"reservation_id": "4WQ150", "total_baggages": 6.0, "nonfree_baggages": 1, "payment_id": "gift_card_3576581"}';
    fs.writeFileSync(
      input,
      `{"id": "test-0", "calls": [{"name": "update_reservation_baggages", "arguments": ${args}}, {"name": "get_reservation_details", "arguments": ${JSON.stringify(JSON.stringify({ reservation_id: '4WQ150' }))}}]}\n`,
    );
    const r = josh('score', '--env', 'tau-airline', '--in', input);
    assert.equal(r.status, 0, r.stderr);
    const returns = lines(r.stdout)[0].returns as string[];
    assert.match(returns[0], /"total_baggages": 6\.0, "nonfree_baggages": 1,/);
    assert.equal(returns[1], returns[0]);
  });

  void test('bad input: one line naming the file, line and field; exit 1; no output file', () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.jsonl');
    const input = path.join(dir, 'in.jsonl');
    const cases: [string, RegExp][] = [
      [
        '{"id": "test-0", "calls": []}\n{"id": "test-900", "calls": []}',
        /in\.jsonl:2: unknown task id "test-900"/,
      ],
      ['{"id": "test-0", "calls": [{"arguments": {}}]}', /in\.jsonl:1: calls\.0\.name: /],
      ['{"id": "test-0", "calls": [], "messages": [3]}', /in\.jsonl:1: messages\.0: /],
      ['{"id": "test-0", "calls": [], "messages": "hi"}', /in\.jsonl:1: messages: /],
      ['{"calls": []}', /in\.jsonl:1: id: /],
      ['\n\n{"id": "test-0", ', /in\.jsonl:3: not valid JSON/],
    ];
    for (const [text, pattern] of cases) {
      fs.writeFileSync(input, text);
      assertOneLineError(josh('score', '--env', 'tau-retail', '--in', input, '--out', out), pattern);
      assert.ok(!fs.existsSync(out));
    }
    assertOneLineError(
      josh('score', '--env', 'tau-nowhere', '--in', input),
      /unknown environment "tau-nowhere"/,
      2,
    );
  });
});

void describe('josh score of a line of many calls', () => {
  const dataDir = resolveDataDir();

  // Every stateful tool on a line of a few hundred calls: the gold calls of 50 tasks, twice (the
  // second time, writes mostly fail on what the first did), each its arguments as the agent's text.
  for (const [envName, split] of [
    ['tau-retail', 'train'],
    ['tau-airline', 'test'],
  ] as const) {
    void test(`${envName}: each return and the reward are what executeCall gives call by call`, () => {
      const env = getEnvironment(envName, dataDir);
      const tasks = env.listTasks(split).slice(0, 50);
      const once = tasks.flatMap((t) =>
        t.goalCalls.map((g) => ({ name: g.name, arguments: JSON.stringify(g.parameters) })),
      );
      const calls = [...once, ...once];
      assert.ok(calls.length >= 100, `${calls.length} calls`);
      const record = { id: tasks[0].id, calls, messages: ['done'] };
      const scored = scoreLine(env, record, rawCallArguments(JSON.stringify(record)));

      const task = env.getTask(record.id);
      const prior: PriorCall[] = [];
      const expected = calls.map((c) => {
        const returned = env.executeCall(task, c.name, c.arguments, prior).call.returned;
        prior.push(c);
        return returned;
      });
      assert.deepEqual(scored.returns, expected);
      assert.ok(expected.some((r) => typeof r === 'string' && r.startsWith('Error: ')));
      assert.equal(scored.reward, env.finalReward(task, prior, record.messages).reward);
    });
  }

  void test('20,000 calls on one line are scored in one pass, not by replaying every earlier call', () => {
    const env = getEnvironment('tau-retail', dataDir);
    const args = JSON.stringify({ first_name: 'Yusuf', last_name: 'Rossi', zip: '19122' });
    const call = { name: 'find_user_id_by_name_zip', arguments: args };
    // A read: its result is the same whatever came before.
    const alone = env.executeCall(env.getTask('test-0'), call.name, args, []).call.returned;
    const input = path.join(tempDir(), 'in.jsonl');
    fs.writeFileSync(input, JSON.stringify({ id: 'test-0', calls: Array(20_000).fill(call) }) + '\n');
    // Not a timing assertion: a replay per call took minutes here (n² hashing), one pass a second
    // or two; the bound only keeps a quadratic step from hanging the suite.
    const r = spawnSync(process.execPath, [JOSH, 'score', '--env', 'tau-retail', '--in', input], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, r.signal ? `killed (${r.signal}): still scoring after 60 s` : r.stderr);
    const [line] = lines(r.stdout);
    assert.deepEqual(line.returns, Array(20_000).fill(alone));
  });
});
