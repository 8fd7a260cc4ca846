// Durability and the CLI contract of a harvest, through the real `josh` CLI:
// - kill the CLI (its in-process worker with it) mid-harvest and rerun with the same id: the run
//   completes, conversations finished before the kill are not run or written again, and no
//   completed LLM call is paid twice (counted at the simulated model);
// - a harvest started by `temporal workflow start` with the documented JSON input produces the
//   same result files as one started by `josh harvest`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSimModelServer } from '../src/simmodel';
import { resolveDataDir } from '../src/env/dataDir';
import { provisionTemporalCli } from '../src/temporal/provision';
import { readConversations, withStack } from './helpers/harvest';
import { testAddress, uniqueTaskQueue } from './helpers/temporal';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');

interface CliRun {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [JOSH, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** A result file without what legitimately differs between two runs of the same seed. */
function comparable(r: Record<string, unknown>): Record<string, unknown> {
  const { runId: _r, workflowId: _w, startedAt: _s, finishedAt: _f, ...rest } = r;
  return rest;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const conversationFiles = (runDir: string): string[] => {
  const dir = path.join(runDir, 'conversations');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
};

test('kill the CLI mid-harvest and rerun with the same id: completes, nothing written twice, no LLM call re-paid', async () => {
  const dataDir = resolveDataDir();
  const sim = await createSimModelServer({ port: 0, dataDir, latencyMs: 30 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-resume-'));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_BASE_URL: `${sim.url}/v1`, JOSH_LOG_LEVEL: 'warn' };
  delete env.TEMPORAL_ADDRESS; // the embedded server: persisted in the run directory
  const settings = [
    '--split',
    'val',
    '--limit',
    '6',
    '--beam',
    '2',
    '--max-steps',
    '6',
    '--concurrency',
    '3',
  ];
  const harvest = (id: string) => [
    'harvest',
    ...settings,
    '--seed',
    'resume',
    '--id',
    id,
    '--out',
    path.join(tmp, id),
  ];
  try {
    // The reference: the same harvest, undisturbed.
    sim.resetStats();
    const ref = await runCli(harvest('ref'), env).done;
    assert.equal(ref.code, 0, ref.stderr);
    const refCalls = sim.stats().requests.total;

    sim.resetStats();
    const runDir = path.join(tmp, 'res');
    const first = runCli(harvest('res'), env);
    await waitFor(() => conversationFiles(runDir).length >= 2, 240_000);
    first.child.kill('SIGKILL');
    await first.done;
    const finishedBefore = new Map(
      conversationFiles(runDir).map((f) => [f, fs.statSync(path.join(runDir, 'conversations', f))]),
    );
    assert.ok(finishedBefore.size >= 2 && finishedBefore.size < 6, `${finishedBefore.size} done at the kill`);

    const second = await runCli(harvest('res'), env).done;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /attached to running harvest res|reusing the embedded Temporal server/);
    assert.match(second.stdout, /conversations\s+6\/6/);

    // Conversations finished before the kill were neither re-run nor rewritten.
    for (const [f, st] of finishedBefore) {
      const now = fs.statSync(path.join(runDir, 'conversations', f));
      assert.equal(now.ino, st.ino, `${f} was rewritten`);
      assert.equal(now.mtimeMs, st.mtimeMs, `${f} was rewritten`);
    }
    // Same seed, same transcripts: the resumed run equals the undisturbed one, file by file.
    const a = readConversations(path.join(tmp, 'ref')).map(comparable);
    const b = readConversations(runDir).map(comparable);
    assert.equal(b.length, 6);
    assert.deepEqual(b, a);
    // Only calls in flight at the kill may be made again: at most concurrency × beam (3 × 2) of them.
    const calls = sim.stats().requests.total;
    process.stdout.write(`# LLM calls: undisturbed ${refCalls}, killed + resumed ${calls}\n`);
    assert.ok(calls >= refCalls, `${calls} < ${refCalls}`);
    assert.ok(calls - refCalls <= 3 * 2, `${calls - refCalls} calls repeated`);
  } finally {
    await sim.close();
  }
});

test('`temporal workflow start` with the documented JSON gives the same result files as `josh harvest`', async () => {
  const cli = await provisionTemporalCli({ log: () => undefined });
  await withStack({}, async (stack) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-parity-'));
    // The documented input: a RunConfig as JSON (schema/run-config.schema.json).
    const input = {
      split: 'val',
      limit: 3,
      beamSize: 2,
      maxSteps: 5,
      seed: 'parity',
      outDir: path.join(tmp, 'via-temporal'),
    };
    const wfId = `parity-temporal-${Date.now()}`;
    await promisify(execFile)(cli.path, [
      'workflow',
      'start',
      '--address',
      testAddress(),
      '--type',
      'harvestWorkflow',
      '--task-queue',
      stack.taskQueue,
      '--workflow-id',
      wfId,
      '--input',
      JSON.stringify(input),
    ]);
    await stack.client.workflow.getHandle(wfId).result();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OPENAI_BASE_URL: `${stack.simUrl}/v1`,
      JOSH_LOG_LEVEL: 'warn',
    };
    const viaCli = await runCli(
      [
        'harvest',
        '--address',
        testAddress(),
        '--worker',
        '--task-queue',
        uniqueTaskQueue('parity'),
        '--split',
        'val',
        '--limit',
        '3',
        '--beam',
        '2',
        '--max-steps',
        '5',
        '--seed',
        'parity',
        '--id',
        `parity-cli-${Date.now()}`,
        '--out',
        path.join(tmp, 'via-cli'),
      ],
      env,
    ).done;
    assert.equal(viaCli.code, 0, viaCli.stderr);

    const a = readConversations(path.join(tmp, 'via-temporal')).map(comparable);
    const b = readConversations(path.join(tmp, 'via-cli')).map(comparable);
    assert.equal(a.length, 3);
    assert.deepEqual(b, a);
  });
});
