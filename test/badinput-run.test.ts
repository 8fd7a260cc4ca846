// Bad input around a run's identity and its settings (issue 12, item 9): the settings a run needs
// are checked before anything starts (no `runs/<id>/.temporal` left behind), an id is one run (a
// second invocation attaches to it, or is refused with the fields that differ), and the embedded
// server's start fails in one line. Like badinput-cli.test.ts, every case runs the real `josh` CLI
// in an empty working directory and expects a non-zero exit, one `josh: ...` line and no stack trace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { JoshClient } from '../src/client/client';
import { RunConflictError } from '../src/client/errors';
import { joshAgainstTestServer } from './helpers/cli';
import { testClient, uniqueTaskQueue } from './helpers/temporal';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
/** A val task and a test task (ToolWOZ splits are lists of MultiWOZ dialogue ids). */
const VAL_TASK = 'MUL0013.json';
const TEST_TASK = 'MUL0003.json';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs josh in `cwd`; a run that would hang (e.g. retrying forever) is killed after `timeoutMs`. */
function josh(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<Ran> {
  // No cluster, no model endpoint: the embedded server and the simulated model, unless `env` says.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|OPENAI_)/.test(k)),
  );
  const child = spawn(process.execPath, [JOSH, ...args], {
    cwd,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    stderr += `\n(killed: still running after ${timeoutMs / 1000} s)`;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(dir, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-badrun-'));

/** Problems with a refusal: exit 0, not exactly one `josh:` line matching `error`, a stack trace. */
function refusalProblems(r: Ran, error: RegExp): string[] {
  const lines = r.stderr.trimEnd().split('\n');
  return [
    r.code === 0 || r.code === null ? `exit ${r.code}` : null,
    lines.length !== 1 ? `${lines.length} lines on stderr` : null,
    !/^josh: /.test(lines[0]) ? 'not a "josh: ..." line' : null,
    !error.test(lines[0]) ? `does not match ${error}` : null,
    /^\s+at /m.test(r.stderr) ? 'a stack trace' : null,
  ].filter((p): p is string => p !== null);
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Case {
  name: string;
  setup?: (cwd: string) => void;
  args: string[];
  env?: NodeJS.ProcessEnv;
  error: RegExp;
  /** Must not appear anywhere in the output (a secret). */
  never?: string;
}

test('settings are checked before anything starts: one line, nothing written', async (t) => {
  const refused = await closedPort();
  const HARVEST = ['harvest', '--id', 'r1', '--limit', '1'];
  const cases: Case[] = [
    {
      name: 'a --prompts file that does not exist',
      args: [...HARVEST, '--prompts', 'prompts.json'],
      error: /--prompts prompts\.json: no such file/,
    },
    {
      name: 'a --prompts that is a directory',
      setup: (cwd) => fs.mkdirSync(path.join(cwd, 'prompts')),
      args: [...HARVEST, '--prompts', 'prompts'],
      error: /--prompts prompts: is a directory/,
    },
    {
      name: 'a --prompts file with an unknown prompt',
      setup: (cwd) => fs.writeFileSync(path.join(cwd, 'p.json'), '{"agent_sytem": "hi"}'),
      args: [...HARVEST, '--prompts', 'p.json'],
      error: /p\.json: unknown prompt "agent_sytem"/,
    },
    {
      name: 'a bad TEMPORAL_NAMESPACE with the embedded server',
      args: HARVEST,
      env: { TEMPORAL_NAMESPACE: 'bad ns' },
      error: /TEMPORAL_NAMESPACE: must be a namespace name/,
    },
    {
      name: 'a bad TEMPORAL_TLS with the embedded server',
      args: HARVEST,
      env: { TEMPORAL_TLS: 'maybe' },
      error: /TEMPORAL_TLS/,
    },
    {
      name: 'an OPENAI_BASE_URL that is not a URL',
      args: HARVEST,
      env: { OPENAI_BASE_URL: 'localhost:8000' },
      error: /OPENAI_BASE_URL must be an? (http\(s\) )?URL/,
    },
    {
      name: 'a model endpoint that refuses connections',
      args: HARVEST,
      env: { OPENAI_BASE_URL: `http://127.0.0.1:${refused}/v1` },
      error: new RegExp(`cannot reach the model endpoint at 127\\.0\\.0\\.1:${refused}: connection refused`),
    },
    {
      name: 'a model endpoint whose host does not resolve (credentials in the URL)',
      args: HARVEST,
      env: { OPENAI_BASE_URL: 'http://josh:s3cret-key@no-such-host.invalid/v1' },
      error: /cannot reach the model endpoint at no-such-host\.invalid:80: host name does not resolve/,
      never: 's3cret-key',
    },
    {
      name: 'a Temporal address whose host does not resolve',
      args: [...HARVEST, '--address', 'no-such-host.invalid:7233'],
      error: /cannot reach Temporal at no-such-host\.invalid:7233: host name does not resolve/,
    },
    {
      name: 'TEMPORAL_ADDRESS whose host does not resolve',
      args: HARVEST,
      env: { TEMPORAL_ADDRESS: 'no-such-host.invalid:7233' },
      error: /cannot reach Temporal at no-such-host\.invalid:7233: host name does not resolve/,
    },
    {
      name: 'the same task twice in --tasks',
      args: ['harvest', '--id', 'r1', '--tasks', `${VAL_TASK},${VAL_TASK}`],
      error: new RegExp(`"${VAL_TASK.replace('.', '\\.')}" is listed twice`),
    },
    {
      name: 'a --tasks task from another split than --split',
      args: ['harvest', '--id', 'r1', '--split', 'val', '--tasks', TEST_TASK],
      error: new RegExp(`task "${TEST_TASK.replace('.', '\\.')}" is not in split "val" \\(it is in test`),
    },
    {
      name: 'an eval of a --tasks task from another split than its default (test)',
      args: ['eval', '--id', 'r1', '--tasks', VAL_TASK],
      error: new RegExp(`task "${VAL_TASK.replace('.', '\\.')}" is not in split "test" \\(it is in val`),
    },
  ];
  const failures: string[] = [];
  const queue = [...cases];
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const cwd = tmpDir();
        c.setup?.(cwd);
        const before = listing(cwd);
        const r = await josh(c.args, cwd, c.env);
        const problems = refusalProblems(r, c.error);
        if (r.stdout !== '') problems.push('output on stdout');
        if (c.never && (r.stderr + r.stdout).includes(c.never)) problems.push('prints the secret');
        const after = listing(cwd);
        if (JSON.stringify(after) !== JSON.stringify(before))
          problems.push(`wrote ${after.filter((p) => !before.includes(p)).join(', ')}`);
        t.diagnostic(`${c.name}: ${r.stderr.trimEnd().split('\n')[0]}`);
        if (problems.length) failures.push(`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr}`);
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    }),
  );
  assert.deepEqual(failures, []);
});

test('a full disk when the embedded server starts: one line naming the path', async () => {
  const cwd = tmpDir();
  // The server's log is the first thing it writes; /dev/full answers every write with ENOSPC.
  const dir = path.join(cwd, 'runs', 'full', '.temporal');
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync('/dev/full', path.join(dir, 'server.log'));
  const r = await josh(['harvest', '--id', 'full', '--limit', '1'], cwd);
  assert.deepEqual(refusalProblems(r, /disk full .*runs\/full\/\.temporal\/server\.log/), [], r.stderr);
  assert.ok(!fs.existsSync(path.join(dir, 'server.lock')), 'the start lock is released');
  fs.rmSync(cwd, { recursive: true, force: true });
});

test('two harvests with the same --id started together: one run, both end well', async () => {
  const cwd = tmpDir();
  const args = ['harvest', '--id', 'twice', '--tasks', VAL_TASK, '--beam', '2', '--max-steps', '3'];
  const [a, b] = await Promise.all([josh(args, cwd, {}, 240_000), josh(args, cwd, {}, 240_000)]);
  for (const r of [a, b]) {
    assert.ok(!/^\s+at /m.test(r.stderr), `a stack trace:\n${r.stderr}`);
    assert.ok(!/locked/i.test(r.stderr), `a locked database:\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Harvest finished/);
  }
  const both = a.stderr + b.stderr;
  assert.match(both, /^started harvest twice/m, both);
  assert.match(both, /^attached to running harvest twice|^already finished: harvest twice/m, both);
  const files = fs.readdirSync(path.join(cwd, 'runs', 'twice', 'conversations'));
  assert.deepEqual(files.filter((f) => f.endsWith('.json')).length, 1);
  assert.ok(!fs.existsSync(path.join(cwd, 'runs', 'twice', '.temporal', 'server.lock')));
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('an id is one run: other settings or another mode are refused', () => {
  const tmp = tmpDir();
  const id = `conflict-${Date.now()}`;
  const taskQueue = uniqueTaskQueue('conflict');
  const base = ['--id', id, '--tasks', VAL_TASK, '--split', 'val', '--out', path.join(tmp, 'run')];
  const harvest = (...extra: string[]) =>
    joshAgainstTestServer('harvest', ...base, '--worker', '--task-queue', taskQueue, ...extra);

  test('the first harvest runs', async () => {
    const r = await harvest('--beam', '2', '--max-steps', '3');
    assert.equal(r.code, 0, r.stderr);
  });

  test('the same settings reuse it (concurrency and budget do not count)', async () => {
    const r = await harvest('--beam', '2', '--max-steps', '3', '--concurrency', '3');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`already finished: harvest ${id}`));
  });

  test('other settings under the same id are refused with the fields that differ', async () => {
    const r = await harvest('--beam', '4', '--max-steps', '3', '--agent-temperature', '0.7');
    const error = new RegExp(
      `run ${id} exists with other settings: beamSize 2 → 4, agentTemperature 1 → 0\\.7 .*ignored: concurrency, maxLlmCalls`,
    );
    assert.deepEqual(refusalProblems(r, error), [], r.stderr);
  });

  test('an eval under a harvest id is refused, and writes no eval.json', async () => {
    const r = await joshAgainstTestServer('eval', ...base, '--worker', '--task-queue', taskQueue);
    assert.deepEqual(
      refusalProblems(r, new RegExp(`run ${id} exists with other settings: mode harvest → eval`)),
      [],
      r.stderr,
    );
    assert.ok(!fs.existsSync(path.join(tmp, 'run', 'eval.json')));
  });

  test('the typed client raises a RunConflictError naming the fields', async () => {
    const client = new JoshClient((await testClient()) as Client, { taskQueue });
    await assert.rejects(
      client.startEval({ id, split: 'val', taskIds: [VAL_TASK], outDir: path.join(tmp, 'run') }),
      (err: unknown) => {
        assert.ok(err instanceof RunConflictError, String(err));
        assert.deepEqual(
          err.differences.find((d) => d.field === 'mode'),
          { field: 'mode', recorded: 'harvest', requested: 'eval' },
        );
        assert.match(err.message, /^run \S+ exists with other settings: mode harvest → eval/);
        assert.ok(err.ignored.includes('concurrency'));
        return true;
      },
    );
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
