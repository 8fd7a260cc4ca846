// Starting and controlling a harvest from outside Node through Temporal alone, by the documented
// contract (docs/client-api.md): examples/python/start_harvest.py (Temporal's Python SDK, no josh
// code) starts the workflow by type name with a JSON input that has no id, retunes it with the
// setConcurrency update, follows the progress query and prints the result; the `temporal` CLI
// queries, updates, signals and cancels one. The Python SDK goes into a virtualenv in the user
// cache, made once. Without Python or its SDK the Python test skips with the reason, except in CI
// (CI=true), where .ci/run provides both: there a skip would be a hidden red, so it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from '../src/temporal/provision';
import { JoshClient } from '../src';
import { readConversations, withStack } from './helpers/harvest';
import { testAddress, testNamespace } from './helpers/temporal';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'python');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 240_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      // A command that could not run at all (not installed) says so instead of an empty stderr.
      resolve({ code, stdout, stderr: err && !stderr.trim() ? err.message : stderr });
    });
  });
}

/** CI as CI services (and .ci/run's callers) set it. */
const inCI = (env: NodeJS.ProcessEnv = process.env): boolean =>
  !['', '0', 'false', 'no'].includes((env.CI ?? '').trim().toLowerCase());

/** A virtualenv with examples/python/requirements.txt, keyed by its content; or why there is none. */
async function pythonWithSdk(): Promise<{ python: string } | { skip: string }> {
  const requirements = path.join(EXAMPLE, 'requirements.txt');
  const key = createHash('sha256').update(fs.readFileSync(requirements)).digest('hex').slice(0, 12);
  const venv = path.join(cacheRoot(), `python-example-${key}`);
  const python = path.join(venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  const ready = path.join(venv, '.installed');
  if (fs.existsSync(ready)) return { python };
  const base = process.env.JOSH_TEST_PYTHON ?? 'python3';
  fs.rmSync(venv, { recursive: true, force: true });
  const made = await run(base, ['-m', 'venv', venv]);
  if (made.code !== 0) return { skip: `no Python virtualenv (${base} -m venv): ${made.stderr.trim()}` };
  const pip = await run(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    requirements,
  ]);
  if (pip.code !== 0)
    return { skip: `pip install -r ${requirements} failed: ${pip.stderr.trim().slice(-500)}` };
  fs.writeFileSync(ready, new Date().toISOString());
  return { python };
}

test('a Python service starts and retunes a harvest through Temporal alone', async (t) => {
  const py = await pythonWithSdk();
  if ('skip' in py) {
    if (inCI()) assert.fail(`CI=${process.env.CI}: the Python test cannot run, ${py.skip}`);
    t.diagnostic(py.skip);
    t.skip(py.skip);
    return;
  }
  await withStack({}, async (stack) => {
    // No id in the input: the workflow id (here, the file's name) becomes the run id.
    const id = `t-python-${Date.now()}`;
    const input = path.join(stack.runsRoot, `${id}.json`);
    fs.writeFileSync(
      input,
      JSON.stringify({ split: 'val', limit: 2, beamSize: 2, maxSteps: 4, userSim: 'script', concurrency: 1 }),
    );
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: testAddress(),
      TEMPORAL_NAMESPACE: testNamespace(),
      JOSH_TASK_QUEUE: stack.taskQueue,
    };
    const ran = await run(
      py.python,
      [path.join(EXAMPLE, 'start_harvest.py'), input, '--concurrency', '2'],
      env,
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, new RegExp(`started ${id}\\nconcurrency 1 -> 2\\n`));
    const result = JSON.parse(ran.stdout) as Record<string, unknown>;
    assert.equal(result.id, id);
    assert.equal(result.status, 'done');
    assert.equal(result.total, 2);
    assert.equal(result.done, 2);
    assert.equal(result.concurrency, 2);
    assert.equal(readConversations(path.join(stack.runsRoot, id)).length, 2);

    // Started without our client, yet filterable: the workflow sets its own search attributes.
    const found: string[] = [];
    const query = `JoshHarvestId = "${id}" AND JoshKind = "harvest" AND JoshStatus = "done"`;
    for (let i = 0; i < 20 && found.length === 0; i++) {
      for await (const wf of stack.client.workflow.list({ query })) found.push(wf.workflowId);
      if (found.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(found, [id]);
  });
});

test('the temporal CLI starts, queries, retunes, pauses and cancels a harvest by the contract', async () => {
  const cli = process.env.JOSH_TEST_TEMPORAL_CLI;
  assert.ok(cli, 'run via npm test');
  await withStack({ simOptions: { latencyMs: 150 } }, async (stack) => {
    const id = `t-tcli-${Date.now()}`;
    const input = path.join(stack.runsRoot, 'input.json');
    fs.writeFileSync(
      input,
      JSON.stringify({ split: 'val', limit: 4, beamSize: 2, maxSteps: 4, userSim: 'script', concurrency: 1 }),
    );
    const temporal = (...args: string[]) =>
      run(cli, [...args, '--address', testAddress(), '--namespace', testNamespace(), '--workflow-id', id]);
    const progress = async () => {
      const r = await temporal('workflow', 'query', '--type', 'progress', '--output', 'json');
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { queryResult: Record<string, unknown>[] }).queryResult[0];
    };

    let r = await temporal(
      'workflow',
      'start',
      '--type',
      'harvestWorkflow',
      '--task-queue',
      stack.taskQueue,
      '--input-file',
      input,
    );
    assert.equal(r.code, 0, r.stderr);
    r = await temporal('workflow', 'update', 'execute', '--name', 'setConcurrency', '--input', '0');
    assert.notEqual(r.code, 0, 'a bad window is refused');
    assert.match(r.stderr, /concurrency must be a whole number from 1 to 1000/);
    r = await temporal(
      'workflow',
      'update',
      'execute',
      '--name',
      'setConcurrency',
      '--input',
      '2',
      '--output',
      'json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"previous":\s*1\b/);
    assert.match(r.stdout, /"concurrency":\s*2\b/);
    r = await temporal('workflow', 'signal', '--name', 'pause');
    assert.equal(r.code, 0, r.stderr);
    const paused = await progress();
    assert.equal(paused.status, 'paused');
    assert.equal(paused.id, id, 'the workflow id is the run id');
    assert.equal(paused.concurrency, 2);

    r = await temporal('workflow', 'cancel');
    assert.equal(r.code, 0, r.stderr);
    const final = await new JoshClient(stack.client).waitForResult(id);
    assert.equal(final.status, 'cancelled');
    const manifest = JSON.parse(fs.readFileSync(path.join(stack.runsRoot, id, 'harvest.json'), 'utf8'));
    assert.equal(manifest.status, 'cancelled');
    const convDir = path.join(stack.runsRoot, id, 'conversations');
    const files = fs.existsSync(convDir) ? fs.readdirSync(convDir).length : 0;
    assert.equal(files, final.done, 'what finished before the cancel is on disk, nothing else');
  });
});
