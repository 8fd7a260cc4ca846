// Restarting a run under its id (issue 12, item 1). A harvest that was cancelled, terminated, had
// a conversation fail, or lost its worker at the moment of its cancel is started again with the
// same id and settings: it runs again exactly the conversations that have no result, reuses the
// finished ones without paying a model call for them, and its exports equal those of an
// undisturbed run with the same seed.
//
// Against the suite's long-running dev server with a real `josh worker` process per scenario, and
// the simulated model in this process: each scenario has a model of its own, so the requests it
// served are that scenario's model calls. The user is scripted, so every model call is an agent
// call and each conversation's `usage.agent.calls` (the same in every run of the same seed) says
// what re-running it costs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { RunConfig, type RunConfigInput } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import { startOrAttach } from '../src/runtime/startRun';
import type { HarvestProgress } from '../src/shared/harvestApi';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import {
  comparableResults,
  exportAll,
  killHard,
  spawnWorker,
  startHarvest,
  waitUntil,
  type WorkerProcess,
} from './helpers/chaos';
import { testAddress, testClient, uniqueTaskQueue } from './helpers/temporal';

const SETTINGS: Omit<RunConfigInput, 'id'> = {
  split: 'val',
  limit: 10,
  seed: 'restart-equivalence',
  beamSize: 2,
  branching: 2,
  maxSteps: 5,
  userSim: 'script',
  concurrency: 3,
};
const TOTAL = 10;
const WAIT_MS = 240_000;

const dataDir = resolveDataDir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-restart-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Scenario {
  id: string;
  runDir: string;
  taskQueue: string;
  model: SimModelServer;
  worker: WorkerProcess;
  /** Starts a replacement worker (same queue, model and runs dir). */
  newWorker(): WorkerProcess;
}

async function scenario(name: string): Promise<Scenario> {
  const id = `restart-${name}-${Date.now()}`;
  const taskQueue = uniqueTaskQueue(`restart-${name}`);
  const model = await createSimModelServer({ port: 0, dataDir });
  const options: Parameters<typeof spawnWorker>[0] = {
    address: testAddress(),
    taskQueue,
    modelUrl: `${model.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(tmp, `${name}-worker.log`),
    args: ['--shutdown-grace', '2'],
  };
  const s: Scenario = {
    id,
    runDir: path.join(tmp, id),
    taskQueue,
    model,
    worker: spawnWorker(options),
    newWorker: () => (s.worker = spawnWorker(options)),
  };
  cleanups.push(async () => {
    await killHard(s.worker);
    await model.close();
  });
  await s.worker.ready;
  return s;
}

const modelCalls = (s: Scenario): number => s.model.stats().requests.total;

const resultFiles = (runDir: string): string[] => {
  const dir = path.join(runDir, 'conversations');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
};

async function start(s: Scenario): Promise<WorkflowHandle> {
  const client = await testClient();
  return (await startHarvest(client, { ...SETTINGS, id: s.id, outDir: s.runDir }, s.taskQueue)).handle;
}

async function closedStatus(handle: WorkflowHandle): Promise<string> {
  let status = '';
  await waitUntil(
    `${handle.workflowId} to close`,
    async () => (status = (await handle.describe()).status.name) !== 'RUNNING',
    WAIT_MS,
  );
  return status;
}

/** Waits until the scenario's model has served no request for a second and a half: calls of a
 * cancelled conversation that were on the wire when it closed are counted before the restart. */
async function settled(s: Scenario): Promise<void> {
  let last = -1;
  let since = Date.now();
  await waitUntil(
    'the model to go quiet',
    () => {
      if (modelCalls(s) !== last) [last, since] = [modelCalls(s), Date.now()];
      return Date.now() - since >= 1_500;
    },
    WAIT_MS,
  );
}

/**
 * Restarts the run under its id with the same settings, waits for it, and checks what it ran.
 * `strayCalls`: how many model calls conversations of the earlier execution may still make after
 * the restart began (0 once they have all closed).
 */
async function restartAndCheck(
  s: Scenario,
  reference: Reference,
  story: string,
  strayCalls = 0,
): Promise<HarvestProgress> {
  if (strayCalls === 0) await settled(s);
  const before = new Map(
    resultFiles(s.runDir).map((f) => [f, fs.statSync(path.join(s.runDir, 'conversations', f))]),
  );
  // What the restart may pay for: the conversations without a result, at their reference cost.
  const owed = [...reference.callsByFile].filter(([f]) => !before.has(f)).reduce((n, [, c]) => n + c, 0);
  const callsBefore = modelCalls(s);
  const client = await testClient();
  const { handle, outcome } = await startOrAttach(
    client,
    RunConfig.parse({ ...SETTINGS, id: s.id, outDir: s.runDir }),
    s.taskQueue,
  );
  assert.equal(outcome, 'restarted', `${story}: the run was ${outcome}, not restarted`);
  const t0 = Date.now();
  const progress = (await handle.result()) as HarvestProgress;
  // A figure for the closing notes, never asserted: a restart takes about the time of the
  // conversations it reruns (compare with the reference run's time, printed too).
  process.stderr.write(
    `restart (${story}): reran ${TOTAL - before.size} of ${TOTAL} conversations in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  assert.equal(progress.status, 'done', story);
  assert.equal(progress.done, TOTAL, `${story}: ${progress.done}/${TOTAL} conversations`);
  assert.equal(progress.failed, 0, `${story}: ${progress.failed} failed`);
  // Exactly the conversations without a result ran again; the finished ones cost nothing.
  const paid = modelCalls(s) - callsBefore;
  const why = `${story}: the restart made ${paid} model calls; the ${TOTAL - before.size} conversations without a result cost ${owed}`;
  if (strayCalls === 0) assert.equal(paid, owed, why);
  else assert.ok(paid <= owed + strayCalls, `${why}, plus at most ${strayCalls} in flight`);
  // Finished conversations were neither re-run nor rewritten.
  for (const [f, st] of before) {
    const now = fs.statSync(path.join(s.runDir, 'conversations', f));
    assert.equal(now.ino, st.ino, `${story}: ${f} was rewritten`);
    assert.equal(now.mtimeMs, st.mtimeMs, `${story}: ${f} was rewritten`);
  }
  // The same data as the undisturbed run, to the byte.
  assert.deepEqual(comparableResults(s.runDir), reference.results, `${story}: results differ`);
  const exports = exportAll(s.runDir, dataDir, path.join(tmp, 'exports', s.id));
  for (const [name, bytes] of reference.exports) {
    assert.ok(exports.get(name)?.equals(bytes), `${story}: ${name} differs from the undisturbed run's`);
  }
  return progress;
}

interface Reference {
  results: Record<string, unknown>[];
  exports: Map<string, Buffer>;
  /** Model calls of each conversation (by result file), as the undisturbed run paid them. */
  callsByFile: Map<string, number>;
}
let reference: Promise<Reference>;

before(() => {
  reference = (async () => {
    const s = await scenario('reference');
    const t0 = Date.now();
    const progress = (await (await start(s)).result()) as HarvestProgress;
    process.stderr.write(`reference: ${TOTAL} conversations in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    assert.equal(progress.done, TOTAL);
    assert.equal(progress.failed, 0);
    const callsByFile = new Map(
      resultFiles(s.runDir).map((f) => {
        const r = JSON.parse(fs.readFileSync(path.join(s.runDir, 'conversations', f), 'utf8')) as {
          usage: { agent: { calls: number }; user: { calls: number } };
        };
        return [f, r.usage.agent.calls + r.usage.user.calls];
      }),
    );
    const total = [...callsByFile.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, modelCalls(s), 'the result files account for every model call');
    return {
      results: comparableResults(s.runDir),
      exports: exportAll(s.runDir, dataDir, path.join(tmp, 'exports', s.id)),
      callsByFile,
    };
  })();
  reference.catch(() => undefined); // awaited by every test
});

// The four scenarios run at once (each has its own worker, queue and model): the file takes about
// one scenario's time, which matters on a busy machine.
describe('restart under the same id', { concurrency: true }, () => {
  test('cancelled after 3 conversations and restarted: runs the other 7 and equals the undisturbed run', async () => {
    const s = await scenario('cancel');
    const handle = await start(s);
    await waitUntil('3 finished conversations', () => resultFiles(s.runDir).length >= 3, WAIT_MS);
    await handle.cancel();
    assert.equal(await closedStatus(handle), 'CANCELLED');
    const done = resultFiles(s.runDir).length;
    assert.ok(done < TOTAL, `all ${TOTAL} finished before the cancel took effect: nothing to restart`);
    await restartAndCheck(s, await reference, `cancel after ${done}`);
  });

  test('terminated and restarted at once (its conversations still closing): the same data', async () => {
    const s = await scenario('terminate');
    const handle = await start(s);
    await waitUntil('2 finished conversations', () => resultFiles(s.runDir).length >= 2, WAIT_MS);
    // Terminate closes the harvest at once; its conversations are only asked to cancel (parent
    // close policy), so the restart may find some of them still running and must wait for them.
    await handle.terminate('restart test');
    assert.equal((await handle.describe()).status.name, 'TERMINATED');
    // Conversations still closing may finish a model call each of their live leaves has on the wire.
    const inFlight = SETTINGS.concurrency! * SETTINGS.beamSize!;
    await restartAndCheck(s, await reference, 'terminate', inFlight);
  });

  test('a conversation that failed runs again when the run is started again', async () => {
    const s = await scenario('failed');
    const handle = await start(s);
    const client = await testClient();
    // Fail one conversation from outside, as an operator or a crash would: terminate it. The list
    // is eventually consistent, so a conversation listed as running may have finished meanwhile:
    // then another one is picked.
    let victim = '';
    await waitUntil(
      'a running conversation to fail',
      async () => {
        if (resultFiles(s.runDir).length === 0) return false;
        for await (const w of client.workflow.list({
          query: `JoshHarvestId = "${s.id}" AND JoshKind = "conversation" AND ExecutionStatus = "Running"`,
        })) {
          try {
            await client.workflow.getHandle(w.workflowId).terminate('restart test: a failed conversation');
            victim = w.workflowId;
            break;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err; // it finished since it was listed
          }
        }
        return victim !== '';
      },
      WAIT_MS,
    );
    const first = (await handle.result()) as HarvestProgress;
    assert.equal(first.failed, 1, `terminated ${victim}: ${first.failed} failed`);
    assert.equal(first.done, TOTAL);
    assert.match(first.lastError ?? '', /terminated|Terminated/, 'the run says why a conversation failed');
    await restartAndCheck(s, await reference, `failed conversation ${victim}`);
  });

  test('worker killed at the moment of the cancel: the cancel lands once a worker is back, and the restart completes', async () => {
    const s = await scenario('killed');
    const handle = await start(s);
    await waitUntil('3 finished conversations', () => resultFiles(s.runDir).length >= 3, WAIT_MS);
    await Promise.all([killHard(s.worker), handle.cancel()]);
    // Nobody processes the cancel until a worker polls again; in-flight model calls and workflow
    // tasks of the dead worker are retried by their timeouts.
    await s.newWorker().ready;
    assert.equal(await closedStatus(handle), 'CANCELLED');
    await restartAndCheck(s, await reference, 'worker killed at the cancel');
  });
});
