// Output files and stuck runs, as a hostile new user meets them: `--out` over a run's own data,
// into a directory or through a file, a full disk while writing (one line naming the path, no
// partial file), and a run that retries or fails says why — in `josh runs show`, in the progress
// line, and in the one line `josh harvest` ends with.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { JoshClient } from '../src';
import { watchRun } from '../src/cli/watch';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer } from '../src/simmodel';
import { isListening } from '../src/temporal/ports';
import { writeFileAtomic } from '../src/util/atomicWrite';
import { WriteError } from '../src/util/errors';
import { processAlive } from '../src/util/process';
import { writeRun } from './fixtures/exportResults';
import { joshAgainstTestServer, pollUntil } from './helpers/cli';
import { withStack } from './helpers/harvest';
import { testAddress, testClient, testNamespace, uniqueTaskQueue } from './helpers/temporal';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function josh(args: string[], opts: { cwd?: string; wrap?: string[] } = {}): Ran {
  const argv = [...(opts.wrap ?? []), process.execPath, JOSH, ...args];
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TEMPORAL_ADDRESS: '', JOSH_LOG_LEVEL: 'warn' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Non-zero, exactly one `josh: ...` line on stderr matching `pattern`, no stack trace. */
function assertOneLine(r: Ran, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected a failure, got exit 0:\n${r.stdout}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^josh: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

/** `josh harvest --id <id>` started by the CLI on the suite's server and watched; the stack's
 * worker (on its task queue) serves it. */
function harvestOnTestServer(
  stack: { taskQueue: string },
  id: string,
  ...args: string[]
): ReturnType<typeof joshAgainstTestServer> {
  return joshAgainstTestServer('harvest', '--id', id, '--task-queue', stack.taskQueue, ...args);
}

/** Every file under `dir` with its content, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** A run directory (the export fixtures) with the other files a run owns. */
function fullRun(): string {
  const runDir = writeRun();
  fs.writeFileSync(path.join(runDir, 'provenance.json'), '{"promptsHash": "abc"}\n');
  fs.writeFileSync(path.join(runDir, 'eval.json'), '{"tasks": 5}\n');
  fs.writeFileSync(path.join(runDir, 'prompts.yaml'), 'agent: be helpful\n');
  return runDir;
}

void test("export --out and report --out never write over a run's own files", () => {
  const runDir = fullRun();
  const other = fullRun(); // another run: its files are as off-limits as the exported run's
  const before = snapshot(runDir);
  const beforeOther = snapshot(other);
  const targets = [
    path.join(runDir, 'harvest.json'),
    path.join(runDir, 'conversations', 'MUL0001.json'),
    path.join(runDir, 'conversations', 'new.jsonl'),
    path.join(runDir, 'provenance.json'),
    path.join(runDir, 'eval.json'),
    path.join(runDir, 'prompts.yaml'),
    path.join(runDir, '.temporal', 'temporal.db'),
    path.join(other, 'harvest.json'),
    path.join(other, 'conversations', 'MUL0002.json'),
  ];
  for (const [i, out] of targets.entries()) {
    const r = josh(['export', runDir, '--format', 'openai-sft', '--out', out]);
    assertOneLine(r, /--out .*: that is the run's own data .*refusing to overwrite it/);
    // The report's check is the same one; a few of the targets are enough.
    if (i % 3 === 0) assertOneLine(josh(['report', runDir, '--out', out]), /run's own data/);
  }
  // Relative paths from inside the run and through a symlink to it are the same files.
  const link = path.join(os.tmpdir(), `josh-runlink-${process.pid}`);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(runDir, link);
  assertOneLine(
    josh(['export', '.', '--format', 'trl-kto', '--out', 'harvest.json'], { cwd: runDir }),
    /run's own data/,
  );
  assertOneLine(
    josh([
      'export',
      runDir,
      '--format',
      'trl-kto',
      '--out',
      path.join(link, 'conversations', 'MUL0003.json'),
    ]),
    /run's own data/,
  );
  fs.rmSync(link);
  assert.deepEqual(snapshot(runDir), before);
  assert.deepEqual(snapshot(other), beforeOther);

  // Its own outputs stay free: a file of one's own in the run directory, and the default place.
  const plain = writeRun();
  let r = josh(['export', plain, '--format', 'openai-sft', '--out', path.join(plain, 'sft.jsonl')]);
  assert.equal(r.code, 0, r.stderr);
  r = josh(['export', plain, '--format', 'openai-sft']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(plain, 'exports', 'openai-sft.jsonl')));
});

void test("every command's output file keeps off a run's own files: tasks, score, server --log-file; a training's and a campaign's record too", () => {
  // josh tasks and josh score wrote over harvest.json and provenance.json, josh server appended its
  // log to them, and train.json / loop.json were free to any --out.
  const runDir = fullRun();
  const trainDir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-train-'));
  fs.writeFileSync(path.join(trainDir, 'train.json'), '{"id": "t1"}\n');
  const loopDir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-loop-'));
  fs.writeFileSync(path.join(loopDir, 'loop.json'), '{"id": "l1"}\n');
  const scored = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'josh-score-')), 'in.jsonl');
  fs.writeFileSync(scored, '');
  const before = [runDir, trainDir, loopDir].map(snapshot);
  const cases: [string[], RegExp][] = [
    [
      ['tasks', '--split', 'val', '--out', path.join(runDir, 'harvest.json')],
      /^josh: --out .*harvest\.json: that is the run's own data/,
    ],
    [
      ['score', '--in', scored, '--out', path.join(runDir, 'provenance.json')],
      /^josh: --out .*provenance\.json: that is the run's own data/,
    ],
    [
      ['server', '--log-file', path.join(runDir, 'eval.json')],
      /^josh: --log-file .*eval\.json: that is the run's own data/,
    ],
    [
      ['export', runDir, '--format', 'openai-sft', '--out', path.join(trainDir, 'train.json')],
      /train\.json: that is the run's own data/,
    ],
    [
      ['tasks', '--split', 'val', '--out', path.join(loopDir, 'loop.json')],
      /loop\.json: that is the run's own data/,
    ],
  ];
  for (const [args, pattern] of cases) assertOneLine(josh(args), pattern);
  assert.deepEqual([runDir, trainDir, loopDir].map(snapshot), before);
});

void test('--out that is a directory, or behind a file: one line, nothing written', () => {
  const runDir = writeRun();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-out-'));
  fs.mkdirSync(path.join(cwd, 'adir'));
  fs.writeFileSync(path.join(cwd, 'afile'), 'mine\n');
  const before = snapshot(cwd);
  for (const cmd of [
    ['export', runDir, '--format', 'openai-sft'],
    ['report', runDir],
  ]) {
    assertOneLine(josh([...cmd, '--out', 'adir'], { cwd }), /--out adir: is a directory; give a file name$/);
    assertOneLine(
      josh([...cmd, '--out', 'afile/out.jsonl'], { cwd }),
      /--out afile\/out\.jsonl: .*afile is a file, not a directory$/,
    );
    assertOneLine(
      josh([...cmd, '--out', 'afile/deeper/out.jsonl'], { cwd }),
      /afile is a file, not a directory$/,
    );
  }
  // josh tasks checks its --out the same way, before building the tasks.
  assertOneLine(
    josh(['tasks', '--split', 'val', '--out', 'afile/tasks.jsonl'], { cwd }),
    /--out afile\/tasks\.jsonl: .*afile is a file, not a directory$/,
  );
  assert.deepEqual(snapshot(cwd), before);
});

void test('--out through a symlink or into a FIFO: the link and the FIFO stay, the data goes where they point', async () => {
  // Write-then-rename replaced whatever was at the name: a link became a file and its target was
  // never written, and as root `--out /dev/null` left a regular file in place of the device.
  const runDir = writeRun();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-out-'));
  const plain = josh(['export', runDir, '--format', 'openai-sft', '--out', 'plain.jsonl'], { cwd });
  assert.equal(plain.code, 0, plain.stderr);
  const expected = fs.readFileSync(path.join(cwd, 'plain.jsonl'), 'utf8');
  assert.ok(expected.length > 0);

  fs.writeFileSync(path.join(cwd, 'real.jsonl'), 'old\n');
  fs.symlinkSync('real.jsonl', path.join(cwd, 'link.jsonl'));
  fs.symlinkSync('missing.jsonl', path.join(cwd, 'dangling.jsonl'));
  for (const out of ['link.jsonl', 'dangling.jsonl']) {
    const r = josh(['export', runDir, '--format', 'openai-sft', '--out', out], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.lstatSync(path.join(cwd, out)).isSymbolicLink(), `${out} is still a link`);
  }
  assert.equal(fs.readFileSync(path.join(cwd, 'real.jsonl'), 'utf8'), expected);
  assert.equal(fs.readFileSync(path.join(cwd, 'missing.jsonl'), 'utf8'), expected);
  // writeFileAtomic (tasks --out) through a link too.
  const tasks = josh(['tasks', '--split', 'val', '--out', 'link.jsonl'], { cwd });
  assert.equal(tasks.code, 0, tasks.stderr);
  assert.ok(fs.lstatSync(path.join(cwd, 'link.jsonl')).isSymbolicLink());
  assert.match(fs.readFileSync(path.join(cwd, 'real.jsonl'), 'utf8'), /"taskId"|MUL\d+/);

  // A FIFO: its reader gets the export; the FIFO is still one afterwards.
  assert.equal(spawnSync('mkfifo', [path.join(cwd, 'pipe')]).status, 0, 'mkfifo');
  const reader = spawn('sh', ['-c', 'cat pipe > got.jsonl'], { cwd });
  const readerDone = new Promise((resolve) => reader.on('exit', resolve));
  const viaFifo = josh(['export', runDir, '--format', 'openai-sft', '--out', 'pipe'], { cwd });
  assert.equal(viaFifo.code, 0, viaFifo.stderr);
  await readerDone;
  assert.ok(fs.lstatSync(path.join(cwd, 'pipe')).isFIFO(), 'pipe is still a FIFO');
  assert.equal(fs.readFileSync(path.join(cwd, 'got.jsonl'), 'utf8'), expected);
  fs.rmSync(cwd, { recursive: true, force: true });
});

void test('writeFileAtomic on a full disk: an error naming the path and "disk full", no partial file', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-enospc-'));
  const file = path.join(dir, 'conversations', 'MUL0001.json');
  // The disk fills half-way through the write: a partial temp file is on disk when it fails.
  // The module object itself (what src/util/atomicWrite.ts calls through), not this file's import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeFs = require('node:fs') as typeof fs;
  const real = nodeFs.writeFileSync;
  mock.method(nodeFs, 'writeFileSync', (p: fs.PathOrFileDescriptor, data: string) => {
    real(p, data.slice(0, data.length >> 1));
    throw Object.assign(new Error(`ENOSPC: no space left on device, write`), {
      code: 'ENOSPC',
      syscall: 'write',
    });
  });
  t.after(() => mock.restoreAll());
  assert.throws(
    () => writeFileAtomic(file, JSON.stringify({ big: 'x'.repeat(10_000) })),
    (err: unknown) => {
      assert.ok(err instanceof WriteError, String(err));
      assert.equal(err.message, `disk full at ${file} (ENOSPC)`);
      return true;
    },
  );
  mock.restoreAll();
  assert.deepEqual(fs.readdirSync(path.join(dir, 'conversations')), []);
});

/** `unshare` with a user and mount namespace, where a tiny tmpfs can be mounted and filled: a
 * real full disk without root. */
function fullDiskWrapper(): string[] | string {
  const probe = spawnSync(
    'unshare',
    ['-Urm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt && echo ok'],
    {
      encoding: 'utf8',
    },
  );
  if (probe.stdout?.trim() !== 'ok')
    return `unshare -Urm with a tmpfs mount is not allowed here: ${probe.stderr}`;
  return [];
}

void test('a real full disk: export and tasks --out say "disk full at <path>" and leave no file', (t) => {
  const can = fullDiskWrapper();
  if (typeof can === 'string') {
    t.skip(can);
    return;
  }
  const runDir = writeRun();
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-full-'));
  // The tmpfs is mounted over `mnt` in a private namespace and filled to the last byte first.
  const wrap = [
    'unshare',
    '-Urm',
    'sh',
    '-c',
    'mount -t tmpfs -o size=128k tmpfs "$0" && (cat /dev/zero > "$0/filler" 2>/dev/null; true) && "$@"; rc=$?; ls -A "$0" >&2; exit $rc',
    mnt,
  ];
  for (const [args, out] of [
    [['export', runDir, '--format', 'openai-sft', '--out', path.join(mnt, 'sft.jsonl')], 'sft.jsonl'],
    [['tasks', '--split', 'val', '--out', path.join(mnt, 'tasks.jsonl')], 'tasks.jsonl'],
  ] as const) {
    const r = josh([...args], { wrap });
    // The wrapper lists the mount after the command, on stderr: only the filler is there. (An
    // export of a run without provenance.json warns first; that line is not the error.)
    const [line, ...listing] = r.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('warning: '));
    assertOneLine(
      { ...r, stderr: `${line}\n` },
      new RegExp(`^josh: disk full at ${path.join(mnt, out)} \\(ENOSPC\\)$`),
    );
    assert.deepEqual(listing, ['filler']);
  }
});

/** A port on which nothing listens: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const SMALL = {
  split: 'val',
  limit: 2,
  beamSize: 2,
  maxSteps: 3,
  userSim: 'script',
  concurrency: 2,
} as const;

void test('a run retrying an unreachable model says so: progress line and josh runs show', async () => {
  const port = await closedPort();
  const refused = `connection refused at 127.0.0.1:${port}`;
  await withStack({ llmBaseURL: `http://127.0.0.1:${port}/v1` }, async (stack) => {
    const client = new JoshClient(stack.client, { taskQueue: stack.taskQueue });
    const id = `t-stuck-refused-${Date.now()}`;
    await client.startHarvest({ id, ...SMALL });

    // The progress line, as `josh harvest` prints it when stderr is not a terminal.
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d: Buffer) => (printed += d.toString()));
    const watching = watchRun(stack.client.workflow.getHandle(id), {
      tty: false,
      out,
      intervalMs: 200,
      stuckCheckMs: 1_000,
    });
    try {
      await pollUntil(
        'the progress line to say why the run is stuck',
        async () => printed,
        (text) => text.includes(refused),
      );
    } catch (err) {
      await client.cancel(id);
      await watching.catch(() => undefined);
      throw err;
    }
    assert.match(printed, new RegExp(`0/2 conversations.*; retrying: ${refused} \\(agentTurn, attempt \\d+`));

    const r = await joshAgainstTestServer('runs', 'show', id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`retrying\\s+${refused} \\(agentTurn, attempt \\d+, in ${id}/`));
    const json = await joshAgainstTestServer('runs', 'show', id, '--json');
    const shown = JSON.parse(json.stdout) as { problem: { reason: string; attempt: number } };
    assert.equal(shown.problem.reason, refused);
    assert.ok(shown.problem.attempt >= 2);

    await client.cancel(id);
    const final = await watching;
    assert.equal(final.status, 'cancelled');
  });
});

void test('a model that refuses every call (HTTP 401): the run fails, josh harvest says why in one line and exits 1', async () => {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    req.resume();
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1`;
  try {
    await withStack({ llmBaseURL: url }, async (stack) => {
      const id = `t-all-401-${Date.now()}`;
      // The CLI starts the run on the suite's server and watches it; the stack's worker serves it.
      const r = await harvestOnTestServer(
        stack,
        id,
        '--limit',
        '2',
        '--beam',
        '2',
        '--max-steps',
        '3',
        '--user-sim',
        'script',
        '--out',
        path.join(stack.runsRoot, id),
      );
      assert.ok(calls > 0, 'the model was called');
      assert.equal(r.code, 1, `exit 1, got ${r.code}:\n${r.stderr}`);
      const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
      assert.match(last, new RegExp(`^josh: run ${id} failed \\(HTTP 401 from the model\\): `));
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');

      const shown = await joshAgainstTestServer('runs', 'show', id);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /status\s+failed/);
      assert.match(shown.stdout, /reason\s+HTTP 401 from the model: /);
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

void test("--out on another run's directory: josh harvest's one line says so, not just that an activity failed", async () => {
  await withStack({}, async (stack) => {
    const id = `t-other-dir-${Date.now()}`;
    const dir = path.join(stack.runsRoot, `${id}-dir`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'harvest.json'), JSON.stringify({ config: { id: 'someone-else' } }));
    const before = snapshot(dir);
    const r = await harvestOnTestServer(stack, id, '--limit', '1', '--user-sim', 'script', '--out', dir);
    assert.equal(r.code, 1, `exit 1, got ${r.code}:\n${r.stderr}`);
    const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
    assert.match(last, new RegExp(`^josh: run ${id} failed: .*holds run someone-else`));
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    // The suite's server is headless: no link to a Web UI that nothing serves (unless someone's
    // own UI happens to listen on this machine's 8233).
    if (!(await isListening('127.0.0.1', 8233))) assert.doesNotMatch(r.stderr, /Web UI/);
    assert.deepEqual(snapshot(dir), before, "the other run's files are untouched");
  });
});

void test('Ctrl-C while the model never answers: exit 130, one line saying so, no progress lines after it', async () => {
  // A model endpoint that accepts connections and never answers: the run's worker is stuck in
  // model calls when the user interrupts.
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as net.AddressInfo).port;
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-interrupt-'));
  try {
    const child = spawn(
      process.execPath,
      [JOSH, 'harvest', '--id', 'int', '--limit', '2', '--beam', '2', '--max-steps', '3'],
      {
        cwd,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: '',
          OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
          OPENAI_API_KEY: 'x',
          JOSH_LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await pollUntil(
      'the harvest to start',
      () => Promise.resolve(stderr),
      (e) => /started harvest int/.test(e),
      { timeoutMs: 120_000 },
    );
    await new Promise((r) => setTimeout(r, 2000)); // the worker is in its first model calls
    child.kill('SIGINT');
    const hang = setTimeout(() => child.kill('SIGKILL'), 90_000); // a hang fails below, with output
    const code = await exited;
    clearTimeout(hang);
    assert.equal(code, 130, stderr);
    const after = stderr.split(/^interrupted: /m)[1];
    assert.ok(after !== undefined, `no "interrupted" line:\n${stderr}`);
    assert.match(after, /^the run stays in Temporal; rerun with --id int/);
    assert.doesNotMatch(after, /conversations|no answer from Temporal/, 'no progress after the interrupt');
  } finally {
    silent.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

/** `josh args…` in a scratch directory on its embedded server and the simulated model, sent
 * SIGINT once `ready(stderr)` holds (checked every `everyMs`); its exit code and stderr, and
 * whether the embedded server it started (`runs/<id>/.temporal/server.json`) is gone 15 s later. */
async function interruptJosh(
  id: string,
  args: string[],
  ready: (stderr: string, record: string) => boolean,
  everyMs = 250,
  /** How: Ctrl-C to the process; Ctrl-C at a terminal, which signals the whole foreground
   * process group (the embedded server too, unless it has a group of its own); SIGTERM to the
   * group (`timeout`); or the reader of its output going away (`josh harvest | head`). */
  how: 'sigint' | 'group-sigint' | 'group-sigterm' | 'close-output' = 'sigint',
): Promise<{ code: number | null; stderr: string; serverGone: boolean }> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-interrupt-'));
  const record = path.join(cwd, 'runs', id, '.temporal', 'server.json');
  // As a user runs it (warnings shown) where the group is signalled: what it prints matters.
  const group = how === 'group-sigint' || how === 'group-sigterm';
  const env: NodeJS.ProcessEnv = { ...process.env, JOSH_LOG_LEVEL: 'error' };
  if (group) delete env.JOSH_LOG_LEVEL;
  delete env.TEMPORAL_ADDRESS;
  delete env.OPENAI_BASE_URL;
  try {
    const child = spawn(process.execPath, [JOSH, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group, // a process group of its own, as a shell gives a foreground job
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await pollUntil('the moment to interrupt', () => Promise.resolve(ready(stderr, record)), Boolean, {
      timeoutMs: 120_000,
      everyMs,
    });
    const { pid } = JSON.parse(fs.readFileSync(record, 'utf8')) as { pid: number };
    if (how === 'sigint') child.kill('SIGINT');
    else if (group) process.kill(-child.pid!, how === 'group-sigint' ? 'SIGINT' : 'SIGTERM');
    else {
      child.stdout.destroy();
      child.stderr.destroy();
    }
    const hang = setTimeout(() => child.kill('SIGKILL'), 90_000); // a hang fails the caller's asserts
    const code = await exited;
    clearTimeout(hang);
    const gone = await pollUntil(
      'the embedded server to be gone',
      () => Promise.resolve(!processAlive(pid)),
      Boolean,
      {
        timeoutMs: 15_000,
      },
    ).catch(() => false);
    return { code, stderr, serverGone: gone };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

void test('josh train whose endpoint keeps refusing the upload says what it retries (it waited without a word)', async () => {
  // An endpoint that lists its models but answers every POST with a 500.
  const endpoint = http.createServer((req, res) => {
    res.writeHead(req.method === 'GET' ? 200 : 500, { 'content-type': 'application/json' });
    res.end(req.method === 'GET' ? '{"object":"list","data":[]}' : '{"error":{"message":"quota exceeded"}}');
  });
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-train-retry-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENAI_BASE_URL: `http://127.0.0.1:${(endpoint.address() as net.AddressInfo).port}/v1`,
    OPENAI_API_KEY: 'k',
    JOSH_LOG_LEVEL: 'error',
  };
  delete env.TEMPORAL_ADDRESS;
  const child = spawn(process.execPath, [JOSH, 'train', writeRun(), '--id', 'retry'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await pollUntil(
      'the retry to be shown',
      () => Promise.resolve(stderr),
      (e) => /retrying: /.test(e),
      {
        timeoutMs: 120_000,
      },
    );
    assert.match(
      stderr,
      /^ {4}retrying: HTTP 500 from the model \(uploadTrainingFile, attempt \d+, in retry\)$/m,
    );
  } finally {
    child.kill('SIGINT');
    await exited;
    endpoint.close();
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

void test('Ctrl-C while the run is still starting (its embedded server up, its worker not yet): exit 130, and no server is left running', async () => {
  // The server's record is written once it is ready; the session then connects, starts the
  // simulated model and creates its worker (a second or more): interrupt in that window.
  const r = await interruptJosh(
    'early',
    ['harvest', '--id', 'early', '--limit', '2'],
    (_, rec) => fs.existsSync(rec),
    10,
  );
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^interrupted: the run stays in Temporal; rerun with --id early/m);
  assert.doesNotMatch(r.stderr, /started harvest/, 'interrupted before the run started');
  assert.ok(r.serverGone, 'the embedded server is still running');
});

void test('Ctrl-C at a terminal (SIGINT to the whole process group) mid-run: exit 130, nothing printed after the line, no server left', async () => {
  // The embedded server used to die with the group's SIGINT at once: the worker then retried the
  // dead server for ~15 s before the command ended, printing its warnings as raw log lines.
  const r = await interruptJosh(
    'group',
    ['harvest', '--id', 'group', '--limit', '4'],
    (stderr) => /started harvest group/.test(stderr),
    250,
    'group-sigint',
  );
  assert.equal(r.code, 130, r.stderr);
  const after = r.stderr.split(/^interrupted: /m)[1];
  assert.ok(after !== undefined, `no "interrupted" line:\n${r.stderr}`);
  assert.equal(after.trim().split('\n').length, 1, `printed after the interrupt line:\n${after}`);
  assert.ok(r.serverGone, 'the embedded server is still running');
});

void test('SIGTERM to the process group (`timeout`, a service manager): stopped as on Ctrl-C, exit 143', async () => {
  const r = await interruptJosh(
    'term',
    ['harvest', '--id', 'term', '--limit', '4'],
    (stderr) => /started harvest term/.test(stderr),
    250,
    'group-sigterm',
  );
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /^interrupted: the run stays in Temporal; rerun with --id term/m);
  assert.doesNotMatch(r.stderr, /lost contact with the Temporal server/);
  assert.ok(r.serverGone, 'the embedded server is still running');
});

void test("josh harvest | head: when the output's reader goes away, exit 141 and no server is left running", async () => {
  // A write's EPIPE used to end the process at once (exit 1), leaving the embedded server up.
  const r = await interruptJosh(
    'piped',
    ['harvest', '--id', 'piped', '--limit', '2'],
    (stderr) => /started harvest piped/.test(stderr),
    250,
    'close-output',
  );
  assert.equal(r.code, 141, r.stderr);
  assert.ok(r.serverGone, 'the embedded server is still running');
});

void test('josh tasks | head: a command without a session stops quietly with 141 when its reader goes away', async () => {
  // It printed node's "Unhandled 'error' event ... write EPIPE" stack and exited 1.
  const child = spawn(process.execPath, [JOSH, 'tasks', '--split', 'val'], {
    env: { ...process.env, JOSH_DATA_DIR: resolveDataDir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The reader takes the first chunk and goes away, as `head -c 300` does.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 141, stderr);
  assert.equal(stderr, '');
});

void test('Ctrl-C in josh loop: exit 130 with one line naming the campaign, its server stopped (it used to watch on forever)', async () => {
  const args = ['loop', '--id', 'camp', '--train-limit', '3', '--test-limit', '3', '--rounds', '2'];
  const r = await interruptJosh('camp', args, (stderr) => /started camp/.test(stderr));
  assert.equal(r.code, 130, r.stderr);
  assert.match(
    r.stderr,
    /^interrupted: the campaign stays in Temporal; rerun with --id camp to resume or attach$/m,
  );
  assert.ok(r.serverGone, 'the embedded server is still running');
});

void test('writeResult on a full disk retries and says "disk full at <path>" (a worker process on a full tmpfs)', async (t) => {
  const can = fullDiskWrapper();
  if (typeof can === 'string') {
    t.skip(can);
    return;
  }
  const sim = await createSimModelServer({ port: 0, dataDir: resolveDataDir() });
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-fullruns-'));
  const taskQueue = uniqueTaskQueue('full');
  // The worker's runs directory is a tmpfs filled to the last byte, in a namespace of its own.
  const worker = spawn(
    'unshare',
    [
      '-Urm',
      'sh',
      '-c',
      'mount -t tmpfs -o size=128k tmpfs "$0" && (cat /dev/zero > "$0/filler" 2>/dev/null; true) && exec "$@"',
      mnt,
      process.execPath,
      JOSH,
      'worker',
      '--address',
      testAddress(),
      '--namespace',
      testNamespace(),
      '--task-queue',
      taskQueue,
      '--runs-dir',
      mnt,
    ],
    {
      env: { ...process.env, OPENAI_BASE_URL: `${sim.url}/v1`, JOSH_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let workerLog = '';
  worker.stderr.on('data', (d: Buffer) => (workerLog += d.toString()));
  const client = new JoshClient(await testClient(), { taskQueue });
  const id = `t-disk-full-${Date.now()}`;
  try {
    await client.startHarvest({ id, ...SMALL, limit: 1 });
    const shown = await pollUntil(
      'josh runs show to say the disk is full',
      () => joshAgainstTestServer('runs', 'show', id),
      (r) => /retrying\s+disk full at /.test(r.stdout) || worker.exitCode !== null,
      { timeoutMs: 120_000, everyMs: 1_000 },
    );
    assert.equal(worker.exitCode, null, `the worker exited: ${workerLog}`);
    // The first write of the run may be its manifest or a conversation: either names its path.
    assert.match(
      shown.stdout,
      new RegExp(
        `retrying\\s+disk full at ${mnt}/${id}/\\S+\\.json \\((writeRunManifest|writeResult|\\w+), attempt \\d+`,
      ),
    );
    assert.match(shown.stdout, /failure\s+disk full at .* \(ENOSPC\)/);
  } finally {
    await client.cancel(id).catch(() => undefined);
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
    await sim.close();
  }
});
