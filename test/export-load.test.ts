// Bad run directories: one clear error naming the file and field, and nothing written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportRun } from '../src/export';
import { loadRun } from '../src/export/load';
import { UserError } from '../src/util/errors';
import { conversationFile, fakeEnvironment, successful, writeRun } from './fixtures/exportResults';

const opts = { environment: fakeEnvironment };

function assertUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.message.includes('\n'), false, 'one line');
    return true;
  });
}

void test('a missing run directory is named', () => {
  const missing = path.join(os.tmpdir(), 'josh-export-does-not-exist');
  assertUserError(
    () => exportRun(missing, 'openai-sft', opts),
    /run directory .*josh-export-does-not-exist does not exist/,
  );
});

void test('a run without conversations says where it looked', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-export-empty-'));
  fs.writeFileSync(path.join(empty, 'harvest.json'), JSON.stringify({ config: { id: 'x' }, status: 'done' }));
  assertUserError(() => exportRun(empty, 'openai-sft', opts), /no conversations in .*conversations/);
  assert.equal(fs.existsSync(path.join(empty, 'exports')), false);
});

void test('a directory without harvest.json, or with a damaged one, is refused as report and compare refuse it', () => {
  const runDir = writeRun();
  const manifest = path.join(runDir, 'harvest.json');
  const text = fs.readFileSync(manifest, 'utf8');
  fs.writeFileSync(manifest, text.slice(0, 20)); // a truncated copy
  assertUserError(() => exportRun(runDir, 'openai-sft', opts), /harvest\.json: not valid JSON/);
  fs.writeFileSync(manifest, JSON.stringify({ config: { id: 'run-test' } }));
  assertUserError(() => exportRun(runDir, 'openai-sft', opts), /harvest\.json: status: /);
  fs.rmSync(manifest);
  assertUserError(
    () => exportRun(runDir, 'openai-sft', opts),
    /is not a run directory \(it has no harvest\.json\)/,
  );
  assert.equal(fs.existsSync(path.join(runDir, 'exports')), false);
});

void test('a run that has not finished is exported with a warning saying how much of it there is', () => {
  const runDir = writeRun([successful]);
  const manifest = path.join(runDir, 'harvest.json');
  fs.writeFileSync(manifest, JSON.stringify({ config: { id: 'run-test' }, status: 'running' }));
  const warned: string[] = [];
  const summary = exportRun(runDir, 'openai-sft', { ...opts, warn: (l) => warned.push(l) });
  assert.ok(summary.examples > 0);
  assert.deepEqual(
    warned.filter((w) => !w.includes('provenance')),
    [
      'warning: run run-test has not finished (harvest.json: "running"): only the 1 conversation written so far',
    ],
  );
  fs.writeFileSync(manifest, JSON.stringify({ config: { id: 'run-test' }, status: 'budget-stopped' }));
  warned.length = 0;
  exportRun(runDir, 'openai-sft', { ...opts, warn: (l) => warned.push(l) });
  assert.deepEqual(
    warned.filter((w) => !w.includes('provenance')),
    [],
    'an ended run: no warning',
  );
});

void test('a malformed conversation names the file and the field, and nothing is written', () => {
  const runDir = writeRun();
  const file = path.join(runDir, 'conversations', conversationFile(successful.taskId));
  const bad = JSON.parse(fs.readFileSync(file, 'utf8')) as { harvested: { messages: { role: string }[] }[] };
  bad.harvested[1].messages[1].role = 'robot';
  fs.writeFileSync(file, JSON.stringify(bad));
  assertUserError(
    () => exportRun(runDir, 'trl-kto', opts),
    new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: harvested\\.1\\.messages\\.1\\.role: `),
  );
  assert.equal(fs.existsSync(path.join(runDir, 'exports')), false);
});

void test('a conversation file that cannot be read is said as a read, not a write nor bad JSON', () => {
  const runDir = writeRun();
  fs.mkdirSync(path.join(runDir, 'conversations', 'MUL9998.json')); // read fails with EISDIR
  assertUserError(() => exportRun(runDir, 'openai-sft', opts), /MUL9998\.json: cannot read it \(EISDIR\)/);
  assert.equal(fs.existsSync(path.join(runDir, 'exports')), false);
});

void test('a missing required field is named', () => {
  const runDir = writeRun([{ ...successful, goldenPath: undefined } as unknown as typeof successful]);
  assertUserError(() => loadRun(runDir), /MUL0001\.json: goldenPath: /);
});

void test('a file that is not JSON is named', () => {
  const runDir = writeRun();
  const file = path.join(runDir, 'conversations', 'MUL9999.json');
  fs.writeFileSync(file, '{"version": 1,');
  assertUserError(() => loadRun(runDir), /MUL9999\.json: not valid JSON/);
});

void test('temp files of an atomic write in progress are not read', () => {
  const runDir = writeRun([successful]);
  fs.writeFileSync(path.join(runDir, 'conversations', 'MUL0002.json.123.abc.tmp'), '{');
  assert.equal(loadRun(runDir).length, 1);
});

void test('a failure half-way through leaves neither the file nor a temp file', () => {
  const runDir = writeRun();
  let calls = 0;
  const flaky = () => {
    if (++calls > 1) throw new Error('environment went away');
    return fakeEnvironment();
  };
  const out = path.join(runDir, 'exports', 'openai-sft.jsonl');
  // Two environment names, so the second lookup happens after records were written.
  const other = JSON.parse(fs.readFileSync(path.join(runDir, 'conversations', 'MUL0005.json'), 'utf8')) as {
    env: string;
  };
  other.env = 'elsewhere';
  fs.writeFileSync(path.join(runDir, 'conversations', 'MUL0005.json'), JSON.stringify(other));
  assert.throws(() => exportRun(runDir, 'openai-sft', { environment: flaky }), /environment went away/);
  assert.equal(fs.existsSync(out), false);
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'exports')), []);
});
