// `josh tasks` and `josh score` as a user runs them: child processes, stable JSONL, one-line
// errors with a non-zero exit, and no output file at all when something is wrong.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { joshSync } from './helpers/cli';
import { resolveDataDir } from '../src/env/dataDir';

const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..'));

const josh = joshSync;
const JOSH_BIN = path.resolve(__dirname, '..', 'bin', 'josh.js');

function assertOneLineError(r: ReturnType<typeof josh>, pattern: RegExp): void {
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

const tempDir = (prefix = 'josh-cli-'): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const lines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A data dir whose test.json is `testJson`, with only some DB files. */
function dataDirWith(testJson: string, dbs = ['restaurant', 'hotel', 'attraction', 'train']): string {
  const dir = tempDir('josh-cli-data-');
  fs.mkdirSync(path.join(dir, 'multiwoz'));
  fs.copyFileSync(path.join(DATA, 'multiwoz', 'splits.json'), path.join(dir, 'multiwoz', 'splits.json'));
  fs.writeFileSync(path.join(dir, 'multiwoz', 'test.json'), testJson);
  fs.mkdirSync(path.join(dir, 'toolwoz', 'db'), { recursive: true });
  fs.symlinkSync(path.join(DATA, 'toolwoz', 'data'), path.join(dir, 'toolwoz', 'data'));
  for (const d of dbs)
    fs.copyFileSync(
      path.join(DATA, 'toolwoz', 'db', `${d}_db.json`),
      path.join(dir, 'toolwoz', 'db', `${d}_db.json`),
    );
  return dir;
}

const testDialogues = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')) as Record<
  string,
  { goal: Record<string, unknown> }
>;

/** The test split as `josh tasks` printed it (reused by the score test to save a process). */
let testSplitJsonl = '';

void describe('josh tasks', () => {
  void test('the test split as JSONL: 450 lines, stable key order, golden calls with booked-entity returns', () => {
    const r = josh('tasks', '--env', 'toolwoz', '--split', 'test');
    assert.equal(r.status, 0, r.stderr);
    const tasks = lines(r.stdout);
    assert.equal(tasks.length, 450);
    assert.equal(tasks.filter((t) => t.solvable === true).length, 422);
    for (const t of tasks) {
      assert.deepEqual(Object.keys(t), ['id', 'domains', 'goalMessage', 'goalCalls', 'solvable']);
      for (const g of t.goalCalls as Record<string, unknown>[]) {
        assert.deepEqual(
          Object.keys(g),
          g.name?.toString().startsWith('book_') ? ['name', 'parameters', 'returns'] : ['name', 'parameters'],
        );
      }
    }
    testSplitJsonl = r.stdout;
  });

  void test('--out writes the file (atomically) and reports on stderr; --tasks selects ids', () => {
    const out = path.join(tempDir(), 'val.jsonl');
    const r = josh('tasks', '--split', 'val', '--out', out, '--data-dir', DATA);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote 793 tasks \(755 solvable\)/);
    assert.equal(lines(fs.readFileSync(out, 'utf8')).length, 793);
    assert.deepEqual(fs.readdirSync(path.dirname(out)), ['val.jsonl']);
    const some = josh('tasks', '--tasks', 'MUL0013.json,MUL0003');
    assert.deepEqual(
      lines(some.stdout).map((t) => t.id),
      ['MUL0013.json', 'MUL0003.json'],
    );
  });

  void test('an unknown task id: one line, non-zero, no output file', () => {
    const out = path.join(tempDir(), 'out.jsonl');
    assertOneLineError(
      josh('tasks', '--tasks', 'NOPE999.json', '--out', out),
      /^josh: unknown task id "NOPE999\.json"/,
    );
    assert.ok(!fs.existsSync(out));
    assertOneLineError(
      josh('tasks', '--split', 'val', '--tasks', 'MUL0003.json'),
      /^josh: task MUL0003\.json is not in the val split/,
    );
  });

  void test('a malformed MultiWOZ file: one line naming file, dialogue and field; no output file', () => {
    const bad = structuredClone(testDialogues.MUL0003);
    (bad.goal as { message: unknown }).message = 7;
    const dir = dataDirWith(JSON.stringify({ MUL0003: bad }));
    const out = path.join(dir, 'out.jsonl');
    const r = josh('tasks', '--split', 'test', '--data-dir', dir, '--out', out);
    assertOneLineError(r, /test\.json: dialogue MUL0003: field goal\.message: /);
    assert.ok(!fs.existsSync(out));
  });

  void test('a missing DB file: one line naming it; no output file', () => {
    const dir = dataDirWith(JSON.stringify({ MUL0003: testDialogues.MUL0003 }), [
      'restaurant',
      'hotel',
      'attraction',
    ]);
    const out = path.join(dir, 'out.jsonl');
    assertOneLineError(
      josh('tasks', '--split', 'test', '--data-dir', dir, '--out', out),
      /train_db\.json: cannot read the train database \(file not found\)/,
    );
    assert.ok(!fs.existsSync(out));
  });

  void test('bad flags and absent splits', () => {
    assertOneLineError(josh('tasks', '--split', 'dev'), /unknown ToolWOZ split "dev"/);
    assertOneLineError(josh('tasks', '--split', 'train'), /train dialogues, which are absent/);
    assertOneLineError(josh('tasks', '--env', 'tau3', '--split', 'test'), /unknown environment "tau3"/);
  });

  void test('usage errors exit 2 like other bad input; --help exits 0', () => {
    for (const args of [
      ['tasks', '--splitt', 'val'],
      ['score'],
      ['harvest', '--user-sim', 'bogus'],
      ['no-such-command'],
    ]) {
      const r = josh(...args);
      assert.equal(r.status, 2, `josh ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, /^josh: /);
    }
    assert.equal(josh('tasks', '--help').status, 0);
  });

  void test("no --split and no --tasks: the environment's default split (val), as the help says", () => {
    const plain = josh('tasks');
    assert.equal(plain.status, 0, plain.stderr);
    const val = josh('tasks', '--split', 'val');
    assert.equal(val.status, 0, val.stderr);
    assert.ok(plain.stdout.length > 0);
    assert.equal(plain.stdout, val.stdout);
  });
});

void describe('josh score', () => {
  void test('golden replay through the CLI: the tasks file turned into calls scores 422 of 450 at 1.0', () => {
    const dir = tempDir();
    assert.ok(testSplitJsonl, 'runs after the josh tasks test');
    const tasks = lines(testSplitJsonl) as {
      id: string;
      goalCalls: { name: string; parameters: object }[];
    }[];
    const input = path.join(dir, 'in.jsonl');
    fs.writeFileSync(
      input,
      tasks
        .map((t) =>
          JSON.stringify({
            id: t.id,
            calls: t.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters })),
          }),
        )
        .join('\n') + '\n',
    );
    const out = path.join(dir, 'out.jsonl');
    const r = josh('score', '--env', 'toolwoz', '--in', input, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /scored 450 conversations: mean reward 0\.9\d+, success 422\/450/);
    const scored = lines(fs.readFileSync(out, 'utf8'));
    assert.equal(scored.filter((s) => s.reward === 1).length, 422);
    for (const s of scored) {
      assert.deepEqual(Object.keys(s), ['id', 'calls', 'returns', 'reward']);
      assert.equal((s.returns as unknown[]).length, (s.calls as unknown[]).length);
    }
  });

  void test('returns in call order, JSON-string arguments, error results; extra input fields kept', () => {
    const input = path.join(tempDir(), 'in.jsonl');
    const calls = [
      {
        name: 'search_hotel',
        arguments: '{"pricerange": "cheap", "parking": "yes", "internet": "yes", "type": "guesthouse"}',
      },
      {
        name: 'book_hotel',
        arguments: { stay: '4', day: 'sunday', people: '6', name: 'alexander bed and breakfast' },
      },
      { name: 'search_taxi', arguments: {} },
    ];
    fs.writeFileSync(
      input,
      `${JSON.stringify({ id: 'MUL0003.json', calls, model: 'x' })}\n\n${JSON.stringify({ id: 'MUL0003', calls: [] })}\n`,
    );
    const r = josh('score', '--in', input);
    assert.equal(r.status, 0, r.stderr);
    const [first, second] = lines(r.stdout);
    assert.equal(first.model, 'x');
    const returns = first.returns as unknown[];
    assert.equal((returns[0] as { name: string }).name, 'alexander bed and breakfast');
    assert.deepEqual(returns[1], {
      success: true,
      return: { name: 'alexander bed and breakfast', reference: 'JXVKZ7KV' },
    });
    assert.match(returns[2] as string, /^ERROR: invalid API call: unknown API "search_taxi"/);
    assert.equal(first.reward, 0.5);
    assert.equal(second.reward, 0);
    assert.match(r.stderr, /scored 2 conversations/);
  });

  void test('bad input lines: one line naming file:line, no output file', () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.jsonl');
    const cases: [string, RegExp][] = [
      ['{"id": "MUL0003.json", "calls": [{"arguments": {}}]}', /in\.jsonl:1: calls\.0\.name: /],
      ['{"id": "MUL0003.json", "calls": []}\n{"id": ', /in\.jsonl:2: not valid JSON/],
      ['{"id": "NOPE1.json", "calls": []}', /in\.jsonl:1: unknown task id "NOPE1\.json"/],
    ];
    for (const [text, pattern] of cases) {
      fs.writeFileSync(path.join(dir, 'in.jsonl'), text);
      assertOneLineError(josh('score', '--in', path.join(dir, 'in.jsonl'), '--out', out), pattern);
      assert.ok(!fs.existsSync(out));
    }
    assertOneLineError(
      josh('score', '--in', path.join(dir, 'missing.jsonl')),
      /missing\.jsonl: cannot read \(ENOENT\)/,
    );
  });

  void test('--in - reads standard input; --out onto the input file is refused and the input kept', () => {
    const dir = tempDir();
    const input = path.join(dir, 'in.jsonl');
    const text = `${JSON.stringify({ id: 'MUL0003.json', calls: [{ name: 'search_taxi', arguments: {} }] })}\n`;
    fs.writeFileSync(input, text);
    const fromFile = josh('score', '--in', input);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const piped = spawnSync(process.execPath, [JOSH_BIN, 'score', '--in', '-'], {
      input: text,
      encoding: 'utf8',
    });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, fromFile.stdout);

    assertOneLineError(josh('score', '--in', input, '--out', input), /--out .*in\.jsonl is the input file/);
    const link = path.join(dir, 'link.jsonl');
    fs.symlinkSync(input, link);
    assertOneLineError(josh('score', '--in', input, '--out', link), /is the input file/);
    assert.equal(fs.readFileSync(input, 'utf8'), text);
  });
});
