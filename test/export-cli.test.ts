// `josh export` as a user runs it: a child process, exit codes, one-line errors, no partial output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { conversationFile, readJsonl, successful, writeRun } from './fixtures/exportResults';

const BIN = path.resolve(__dirname, '..', 'bin', 'josh.js');

function josh(...args: string[]) {
  return joshIn(undefined, ...args);
}

function joshIn(cwd: string | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'export', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: ReturnType<typeof josh>, pattern: RegExp): void {
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

void test('a missing run directory: one line, exit 2', () => {
  const r = josh(path.join(os.tmpdir(), 'josh-export-nope'), '--format', 'openai-sft');
  assertOneLineError(r, /^josh: run directory .*josh-export-nope does not exist/);
  assert.equal(r.status, 2);
});

void test('a bare run id names runs/<id>, as for report and compare', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-export-bare-'));
  fs.cpSync(writeRun(), path.join(cwd, 'runs', 'h1'), { recursive: true });
  const r = joshIn(cwd, 'h1', '--format', 'openai-sft');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readJsonl(path.join(cwd, 'runs', 'h1', 'exports', 'openai-sft.jsonl')).length, 3);
  assert.equal(fs.existsSync(path.join(cwd, 'h1')), false);
});

void test('an unknown format lists the known ones', () => {
  const r = josh(writeRun(), '--format', 'alpaca');
  assertOneLineError(
    r,
    /--format|format: expected one of openai-sft, trl-sft, trl-kto, trl-dpo, openai-dpo, sharegpt/,
  );
});

void test('a run without conversations', () => {
  const r = josh(writeRun([]), '--format', 'trl-dpo');
  assertOneLineError(r, /no conversations in /);
});

void test('an empty directory is not a run: said before looking for conversations', () => {
  const r = josh(fs.mkdtempSync(path.join(os.tmpdir(), 'josh-export-empty-')), '--format', 'trl-dpo');
  assertOneLineError(r, /is not a run directory \(it has no harvest\.json\)/);
});

void test('a malformed conversation file: file and field named, nothing written', () => {
  const runDir = writeRun();
  const file = path.join(runDir, 'conversations', conversationFile(successful.taskId));
  const bad = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  bad.reward = 'high';
  fs.writeFileSync(file, JSON.stringify(bad));
  const out = path.join(runDir, 'out.jsonl');
  const r = josh(runDir, '--format', 'trl-kto', '--out', out);
  assertOneLineError(r, /MUL0001\.json: reward: /);
  assert.equal(fs.existsSync(out), false);
});

void test('a good run: the file, the ToolWOZ tools and system prompt, and a summary', () => {
  const runDir = writeRun();
  const out = path.join(runDir, 'sft.jsonl');
  const r = josh(runDir, '--format', 'openai-sft', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /openai-sft: 3 examples written to /);
  assert.match(r.stdout, /conversations: 5 read, 3 used/);
  assert.match(r.stdout, /dropped conversations: 1 error marker on the golden path; 1 not successful/);
  const records = readJsonl(out);
  assert.equal(records.length, 3);
  const tools = records[0].tools as { function: { name: string } }[];
  assert.ok(tools.some((t) => t.function.name === 'search_restaurant'));
  const first = (records[0].messages as { role: string; content: string }[])[0];
  assert.equal(first.role, 'system');
  assert.ok(first.content.length > 0);

  const bare = josh(runDir, '--format', 'openai-sft', '--out', out, '--no-system');
  assert.equal(bare.status, 0, bare.stderr);
  assert.equal((readJsonl(out)[0].messages as { role: string }[])[0].role, 'user');
});
