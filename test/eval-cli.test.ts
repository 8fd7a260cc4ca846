// `josh eval`, `josh compare` and `josh report` as a user runs them: child processes with the
// embedded Temporal server and simulated model, exit codes, one-line errors, files written.
// Small on purpose (3 test tasks, beam 1, few steps): the statistics are unit-tested elsewhere.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataDir } from '../src/env/dataDir';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-eval-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function josh(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, JOSH_LOG_LEVEL: 'warn', ...extraEnv };
  // The embedded server and simulated model, exactly as a user without any setup gets them.
  delete env.TEMPORAL_ADDRESS;
  delete env.OPENAI_BASE_URL;
  const child = spawn(process.execPath, [JOSH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // A stuck command fails with what it printed, instead of the whole file timing out silently.
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: signal ? `${stderr}\n[killed: ${args.join(' ')}]` : stderr });
    }),
  );
}

function assertOneLineError(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, got:\n${r.stderr}`);
}

const runA = path.join(tmp, 'eval-a');
const runB = path.join(tmp, 'eval-b');
const small = ['--limit', '3', '--max-steps', '6', '--concurrency', '3'];

interface EvalJson {
  runId: string;
  mode: string;
  split: string;
  trials: number;
  conversations: number;
  overall: { successRate: { estimate: number; low: number; high: number } };
  passK: { k: number }[];
  domains: { domain: string }[];
}

test('josh eval: test split, trials, CIs, pass^k, per-domain table, eval.json, Web UI link; same id again attaches', async () => {
  const r = await josh(['eval', ...small, '--trials', '2', '--id', 'cli-eval-a', '--out', runA]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /Web UI \(this run's workflows\): http:\/\/\S+\/namespaces\/default\/workflows\?query=JoshHarvestId%3D%22cli-eval-a%22/,
  );
  assert.match(r.stdout, /Evaluation cli-eval-a \(eval, toolwoz\/test\)/);
  assert.match(r.stdout, /all tasks\s+3\s+6\s+\S+% \[\S+%, \S+%\]/);
  assert.match(r.stdout, /pass\^k/);
  assert.match(r.stdout, /Per domain/);
  assert.match(r.stdout, /agent\s+\d+/);
  const file = path.join(runA, 'eval.json');
  assert.match(r.stdout, new RegExp(`written: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as EvalJson;
  assert.equal(s.mode, 'eval');
  assert.equal(s.split, 'test');
  assert.equal(s.trials, 2);
  assert.equal(s.conversations, 6);
  assert.deepEqual(
    s.passK.map((p) => p.k),
    [1, 2],
  );
  assert.ok(s.domains.length >= 1);
  const sr = s.overall.successRate;
  assert.ok(sr.low <= sr.estimate && sr.estimate <= sr.high);
  // One file per task and trial; evaluation keeps unsolvable tasks.
  const files = fs.readdirSync(path.join(runA, 'conversations')).sort();
  assert.equal(files.length, 6);
  assert.equal(files.filter((f) => f.includes('~t1')).length, 3);
  const manifest = JSON.parse(fs.readFileSync(path.join(runA, 'harvest.json'), 'utf8'));
  assert.equal(manifest.config.includeUnsolvable, true);

  // Same id: the finished run is attached to, nothing re-runs, the summary is the same.
  const again = await josh(['eval', ...small, '--trials', '2', '--id', 'cli-eval-a', '--out', runA]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already finished: eval cli-eval-a/);
  assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), s);
});

test('josh compare: paired deltas with CI and p-value; one-line errors', async () => {
  const b = await josh(['eval', ...small, '--agent-temperature', '0.3', '--id', 'cli-eval-b', '--out', runB]);
  assert.equal(b.code, 0, b.stderr);
  const r = await josh(['compare', runA, runB]);
  assert.equal(r.code, 0, r.stderr);
  // B has one trial per task, so the pairs are A's trial 0 of each task.
  assert.match(r.stdout, /paired on 3 shared \(task, trial\) pairs over 3 tasks \(3 only in A, 0 only in B/);
  assert.match(r.stdout, /success rate\s+\S+%\s+\S+%\s+[+-]\S+ pp\s+\[\S+ pp, \S+ pp\]\s+(≤ )?\d/);
  assert.match(r.stdout, /average reward\s+\d\.\d{3}\s+\d\.\d{3}\s+[+-]\d\.\d{3}\s+\[/);
  const json = await josh(['compare', runA, runB, '--json']);
  const c = JSON.parse(json.stdout) as { shared: { pairs: number }; reward: { delta: { pValue: number } } };
  assert.equal(c.shared.pairs, 3);
  assert.ok(c.reward.delta.pValue > 0 && c.reward.delta.pValue <= 1);

  // A run directory whose tasks the other does not have.
  const other = path.join(tmp, 'other');
  fs.mkdirSync(path.join(other, 'conversations'), { recursive: true });
  fs.copyFileSync(path.join(runB, 'harvest.json'), path.join(other, 'harvest.json'));
  const one = JSON.parse(
    fs.readFileSync(
      path.join(runB, 'conversations', fs.readdirSync(path.join(runB, 'conversations'))[0]),
      'utf8',
    ),
  );
  fs.writeFileSync(path.join(other, 'conversations', 'X.json'), JSON.stringify({ ...one, taskId: 'X.json' }));
  assertOneLineError(await josh(['compare', runA, other]), /share no \(task, trial\) pair/);
});

test('josh report: a self-contained HTML file for an eval run; one-line errors and no partial output', async () => {
  const r = await josh(['report', runA, '--ui-url', 'http://ui.example:8080/']);
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(runA, 'report.html');
  assert.match(r.stdout, /^report: .*report\.html \(6 conversations, \d+ KiB, \d+ ms\)\n$/);
  const html = fs.readFileSync(file, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('"url":"http://ui.example:8080"'), 'the Web UI base URL, trailing slash dropped');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import/, 'nothing loaded from elsewhere');

  const missing = path.join(tmp, 'missing.html');
  assertOneLineError(
    await josh(['report', path.join(tmp, 'nope'), '--out', missing]),
    /run directory .*nope does not exist/,
  );
  assertOneLineError(
    await josh(['report', runA, '--ui-url', 'localhost:8233', '--out', missing]),
    /ui-url|uiUrl/,
  );
  const broken = path.join(tmp, 'broken');
  fs.cpSync(runB, broken, { recursive: true });
  const victim = path.join(broken, 'conversations', fs.readdirSync(path.join(broken, 'conversations'))[0]);
  fs.writeFileSync(victim, JSON.stringify({ ...JSON.parse(fs.readFileSync(victim, 'utf8')), reward: 2 }));
  assertOneLineError(await josh(['report', broken, '--out', missing]), /\.json: reward: /);
  assert.ok(!fs.existsSync(missing), 'no report written on an error');

  // A data directory whose test split does not parse: given by --data-dir it fails the report, as
  // it fails josh tasks and josh score; as the default one it is a warning and the report is
  // written without domains (never silently without them).
  const shared = resolveDataDir();
  const badData = path.join(tmp, 'bad-data');
  fs.mkdirSync(path.join(badData, 'multiwoz'), { recursive: true });
  fs.symlinkSync(path.join(shared, 'toolwoz'), path.join(badData, 'toolwoz'));
  for (const entry of fs.readdirSync(path.join(shared, 'multiwoz'))) {
    const from = path.join(shared, 'multiwoz', entry);
    const to = path.join(badData, 'multiwoz', entry);
    if (entry === 'test.json') fs.writeFileSync(to, fs.readFileSync(from, 'utf8').slice(0, 1000));
    else fs.symlinkSync(from, to);
  }
  assertOneLineError(
    await josh(['report', runA, '--data-dir', badData, '--out', missing]),
    /test\.json: .*not valid JSON/,
  );
  assert.ok(!fs.existsSync(missing), 'no report written on an error');
  const warned = await josh(['report', runA, '--out', missing], { JOSH_DATA_DIR: badData });
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, /test\.json: .*not valid JSON.*; domains and goal names are left out/);
  assert.ok(fs.existsSync(missing));
});
