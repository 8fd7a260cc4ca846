// `josh server` and `josh worker` as a person runs them: the server serves the Web UI, works with
// the `temporal` CLI, keeps workflows across restarts on the same SQLite file (and refuses a second
// server on it) and stops cleanly on Ctrl-C; a worker pointed at nothing gives up at once with one
// line and a non-zero exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../src/config/connection';
import { LLM_TASK_QUEUE, MAIN_TASK_QUEUE } from '../src/shared/taskQueues';
import { freePort } from '../src/temporal/ports';

const ROOT = path.resolve(__dirname, '..');
const JOSH = path.join(ROOT, 'bin', 'josh.js');
const temporalCli = () => {
  const cli = process.env.JOSH_TEST_TEMPORAL_CLI;
  assert.ok(cli, 'run via npm test');
  return cli;
};

interface Running {
  child: ChildProcess;
  stdout: () => string;
  exit: Promise<number | null>;
}

function runJosh(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [JOSH, ...args], {
    cwd: ROOT,
    env: { ...process.env, JOSH_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stdout: () => out, exit };
}

async function waitFor(
  what: string,
  p: Running,
  pattern: RegExp,
  timeoutMs = 90_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = p.stdout().match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: no ${pattern} in output:\n${p.stdout()}`);
}

function temporal(address: string, ...args: string[]): string {
  const r = spawnSync(temporalCli(), [...args, '--address', address], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `temporal ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

void test('josh server: Web UI, temporal CLI, persistence across restarts, clean Ctrl-C', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-server-'));
  const dbFile = path.join(dir, 'state', 'temporal.db');
  // Ports 0: the server picks them (and picks again if another process takes one first); the
  // restart then asks for the same ones, as a user restarting their server would.
  const args = (port: number, uiPort: number): string[] => [
    'server',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--db-file',
    dbFile,
    '--log-file',
    path.join(dir, 'server.log'),
  ];

  const first = runJosh(args(0, 0));
  let address = '';
  let uiUrl = '';
  try {
    [, address] = await waitFor('first start', first, /gRPC:\s+(\S+)/);
    [, uiUrl] = await waitFor('first start', first, /Web UI:\s+(http:\/\/\S+)/);
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.match(uiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(uiUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    // Nobody polls this queue: the workflow simply stays open, which is all persistence needs.
    temporal(
      address,
      'workflow',
      'start',
      '--type',
      'Nothing',
      '--task-queue',
      'nobody',
      '-w',
      'persisted-1',
    );
    // Visibility (what `workflow list` and the UI read) catches up a moment after the start.
    let listed = '';
    for (let i = 0; i < 50 && !listed.includes('persisted-1'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      listed = temporal(address, 'workflow', 'list');
    }
    assert.match(listed, /persisted-1/);
  } finally {
    first.child.kill('SIGINT');
  }
  assert.equal(await first.exit, 0, `clean exit on SIGINT:\n${first.stdout()}`);
  assert.match(first.stdout(), /stopped\./);
  assert.ok(fs.existsSync(dbFile), 'SQLite file written');

  const second = runJosh(args(Number(address.split(':')[1]), Number(new URL(uiUrl).port)));
  try {
    await waitFor('second start', second, /Press Ctrl-C to stop/);
    const described = temporal(address, 'workflow', 'describe', '-w', 'persisted-1', '-o', 'json');
    const info = JSON.parse(described) as { workflowExecutionInfo: { execution: { workflowId: string } } };
    assert.equal(info.workflowExecutionInfo.execution.workflowId, 'persisted-1');

    // A third server on the same file while the second runs: the file's lock refuses it, and it
    // says so in one line (instead of two servers writing one database).
    const third = runJosh([
      'server',
      '--port',
      '0',
      '--ui-port',
      '0',
      '--db-file',
      dbFile,
      '--log-file',
      path.join(dir, 'server3.log'),
    ]);
    assert.equal(await third.exit, 1, third.stdout());
    assert.match(
      third.stdout(),
      /^josh: .*database is locked.*another Temporal server is using .*temporal\.db/m,
    );
    temporal(address, 'workflow', 'describe', '-w', 'persisted-1');
  } finally {
    second.child.kill('SIGTERM');
  }
  assert.equal(await second.exit, 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

void test('josh server refuses a port that is already taken, in one line', async () => {
  const busy = process.env.JOSH_TEST_TEMPORAL_ADDRESS?.split(':')[1];
  assert.ok(busy);
  const p = runJosh(['server', '--port', busy, '--headless']);
  assert.equal(await p.exit, 2);
  assert.match(p.stdout(), /^josh: --port \d+: something already listens on/m);
});

void test('josh worker against an unreachable address gives up at once, one line, non-zero', async () => {
  const port = await freePort();
  const p = runJosh(['worker', '--address', `127.0.0.1:${port}`]);
  const code = await p.exit;
  assert.notEqual(code, 0);
  const lines = p.stdout().trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${p.stdout()}`);
  assert.match(lines[0] ?? '', /^josh: cannot reach Temporal at 127\.0\.0\.1:\d+: connection refused/);
  assert.doesNotMatch(p.stdout(), /\n\s+at /, 'no stack trace');
  // How long the worker tried is the worker's own figure (from its first connect attempt to giving
  // up), not this process's wall time: node's start-up on a loaded machine is not the product's.
  // A refused connection is not retried until the connect timeout the code sets, and that timeout
  // is the one it reports.
  const m = /gave up after (\d+(?:\.\d+)?) s \(connect timeout (\d+) s\)/.exec(lines[0] ?? '');
  assert.ok(m, `the line says how long the worker tried: ${lines[0]}`);
  const [gaveUp, timeout] = [Number(m[1]), Number(m[2])];
  assert.equal(timeout * 1000, DEFAULT_CONNECT_TIMEOUT_MS);
  assert.ok(gaveUp <= timeout, `tried for ${gaveUp} s, longer than the ${timeout} s connect timeout`);
});

void test('josh worker with bad settings names the variable before touching the network', async () => {
  const p = runJosh(['worker'], { TEMPORAL_ADDRESS: 'no-port-here', TEMPORAL_API_KEY: 'sk-secret' });
  assert.equal(await p.exit, 2);
  assert.match(p.stdout(), /TEMPORAL_ADDRESS: must be host:port/);
  assert.doesNotMatch(p.stdout(), /sk-secret/);
});

void test('josh worker serves both task queues of its namespace and stops gracefully on SIGTERM', async () => {
  const address = process.env.JOSH_TEST_TEMPORAL_ADDRESS;
  assert.ok(address);
  // Its own namespace, so this worker never takes tasks meant for other tests on the shared server.
  const namespace = `josh-worker-cli-${process.pid}`;
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const p = runJosh(['worker', '--address', address, '--namespace', namespace, '--shutdown-grace', '2']);
    try {
      await waitFor('worker start', p, /worker running/, 120_000);
      for (const queue of [MAIN_TASK_QUEUE, LLM_TASK_QUEUE]) {
        const taskQueueType =
          queue === MAIN_TASK_QUEUE
            ? proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            : proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
        let pollers = 0;
        for (let i = 0; i < 50 && pollers === 0; i++) {
          const d = await connection.workflowService.describeTaskQueue({
            namespace,
            taskQueue: { name: queue },
            taskQueueType,
          });
          pollers = d.pollers?.length ?? 0;
          if (pollers === 0) await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(pollers > 0, `a poller on ${queue}`);
      }
    } finally {
      p.child.kill('SIGTERM');
    }
    assert.equal(await p.exit, 0, p.stdout());
    assert.match(p.stdout(), /workers stopped/);
  } finally {
    await connection.close();
  }
});

void test('josh worker warns at startup, in one line, when nothing listens at its model endpoint, and keeps running', async () => {
  const address = process.env.JOSH_TEST_TEMPORAL_ADDRESS;
  assert.ok(address);
  const modelPort = await freePort(); // closed: nothing listens there
  const key = 'sk-probe-secret-0123456789abcdef';
  // A task queue of its own: this worker never takes tasks meant for other tests.
  const p = runJosh(['worker', '--address', address, '--task-queue', `model-probe-${process.pid}`], {
    OPENAI_BASE_URL: `http://127.0.0.1:${modelPort}/v1`,
    OPENAI_API_KEY: key,
  });
  try {
    await waitFor('worker start', p, /worker running/, 120_000);
    const [line] = await waitFor(
      'the model warning',
      p,
      new RegExp(`^.*model endpoint http://127\\.0\\.0\\.1:${modelPort}/v1 is unreachable.*$`, 'm'),
    );
    assert.match(line, /"level":"?(warn|40)/, `a warning: ${line}`);
    assert.match(line, /OPENAI_BASE_URL/, 'says how to fix it');
    assert.equal(p.child.exitCode, null, 'the worker keeps running: the model may come up later');
  } finally {
    p.child.kill('SIGTERM');
  }
  assert.equal(await p.exit, 0, p.stdout());
  assert.doesNotMatch(p.stdout(), new RegExp(key), 'no API key in the output');
});
