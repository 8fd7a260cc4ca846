// Bad input around a run's identity (issue 12, item 9): an id is one run (a second invocation
// started together attaches to it; other settings or another mode are refused with the fields that
// differ), and the embedded server's start fails in one line. The settings checked before anything
// starts (prompts file, environment, model endpoint, --tasks) are cases of badinput-cli.test.ts.
// Like there, each case runs the real `josh` CLI in an empty working directory and expects a
// non-zero exit, one `josh: ...` line and no stack trace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { JoshClient } from '../src/client/client';
import { RunConflictError, SearchAttributesMissingError } from '../src/client/errors';
import { testAddress, testClient, testNamespace, uniqueTaskQueue } from './helpers/temporal';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
/** A task of the val split. */
const VAL_TASK = 'MUL0013.json';

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

test("a namespace without josh's search attributes: one line naming the attribute, nothing started", async () => {
  // A namespace of the suite's server that nobody set up for josh (the product's own servers
  // register the attributes; a user's server may not have them).
  const temporal = (await testClient()) as Client;
  const namespace = `no-josh-attributes-${Date.now()}`;
  await temporal.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  for (let i = 0; ; i++) {
    try {
      await temporal.workflowService.describeNamespace({ namespace });
      break;
    } catch (err) {
      if (i > 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const cwd = tmpDir();
  const r = await josh(['harvest', '--id', 'no-sa', '--limit', '1', '--namespace', namespace], cwd, {
    TEMPORAL_ADDRESS: testAddress(),
  });
  assert.deepEqual(
    refusalProblems(
      r,
      new RegExp(`namespace ${namespace} does not know the search attribute Josh\\w+.*nothing was started`),
    ),
    [],
    r.stderr,
  );
  assert.equal(r.code, 2);
  assert.ok(!fs.existsSync(path.join(cwd, 'runs', 'no-sa')), 'no run directory');
  // The typed client says the same with a class a service can tell apart.
  const other = new Client({ connection: temporal.connection, namespace });
  await assert.rejects(
    new JoshClient(other, { taskQueue: uniqueTaskQueue('nobody') }).startHarvest({
      id: 'no-sa',
      split: 'val',
      limit: 1,
    }),
    (err: unknown) => {
      assert.ok(err instanceof SearchAttributesMissingError, String(err));
      assert.equal(err.namespace, namespace);
      assert.match(err.attribute, /^Josh/);
      return true;
    },
  );
  fs.rmSync(cwd, { recursive: true, force: true });
});

describe('an id is one run: other settings or another mode are refused', () => {
  const tmp = tmpDir();
  const id = `conflict-${Date.now()}`;
  const taskQueue = uniqueTaskQueue('conflict');
  const base = ['--id', id, '--tasks', VAL_TASK, '--split', 'val', '--out', path.join(tmp, 'run')];
  // The suite's server, and a worker in the CLI process (a private task queue).
  const suite = (): NodeJS.ProcessEnv => ({
    TEMPORAL_ADDRESS: testAddress(),
    TEMPORAL_NAMESPACE: testNamespace(),
  });
  const run = (command: string, ...extra: string[]) =>
    josh([command, ...base, '--worker', '--task-queue', taskQueue, ...extra], tmp, suite(), 240_000);
  const harvest = (...extra: string[]) => run('harvest', ...extra);

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
    const r = await run('eval');
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

  test('an id taken by a workflow that is not a run is refused, not attached to', async () => {
    const temporal = (await testClient()) as Client;
    const other = `not-a-run-${Date.now()}`;
    // Nobody serves this queue: the workflow just stays running under the id.
    const handle = await temporal.workflow.start('someoneElsesWorkflow', {
      workflowId: other,
      taskQueue: uniqueTaskQueue('nobody'),
    });
    try {
      await assert.rejects(
        new JoshClient(temporal, { taskQueue }).startHarvest({ id: other, split: 'val', limit: 1 }),
        (err: unknown) => {
          assert.ok(err instanceof RunConflictError, String(err));
          assert.match(err.message, /workflow type someoneElsesWorkflow → harvestWorkflow/);
          return true;
        },
      );
    } finally {
      await handle.terminate();
    }
  });
});
