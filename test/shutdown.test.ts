// Graceful shutdown of `josh worker`: SIGTERM lets the model calls in flight finish (they complete
// on their first attempt, nothing is asked twice), the process exits 0, and a worker started
// later finishes the harvest. The grace is bounded: a call still running when it ends is
// cancelled, the worker exits on time, and the call is retried by the next worker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { resolveDataDir } from '../src/env/dataDir';
import type { ConversationResult } from '../src/shared/results';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import {
  awaitHarvest,
  scanHistories,
  spawnWorker,
  startHarvest,
  waitUntil,
  type WorkerProcess,
} from './helpers/chaos';
import { testAddress, testClient, testNamespace, uniqueTaskQueue } from './helpers/temporal';

const dataDir = resolveDataDir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-shutdown-'));
let client: Client;
const workers: WorkerProcess[] = [];

before(async () => {
  client = await testClient();
});

after(() => {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
});

function worker(taskQueue: string, sim: SimModelServer, grace: number, name: string): WorkerProcess {
  const w = spawnWorker({
    address: testAddress(),
    taskQueue,
    modelUrl: `${sim.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(tmp, `${name}.log`),
    args: ['--shutdown-grace', String(grace)],
  });
  workers.push(w);
  return w;
}

/** One conversation, a small beam, the scripted user: every model call is the agent's. */
const settings = (id: string) => ({
  id,
  split: 'val',
  limit: 1,
  beamSize: 2,
  branching: 2,
  maxSteps: 3,
  userSim: 'script' as const,
  seed: 'shutdown',
  outDir: path.join(tmp, id),
});

function llmCallsIn(runDir: string): number {
  const dir = path.join(runDir, 'conversations');
  const [file] = fs.readdirSync(dir);
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ConversationResult;
  return r.usage.agent.calls + r.usage.user.calls;
}

test('SIGTERM mid-call: the calls in flight finish on their first attempt, exit 0, a later worker finishes the run', async (t) => {
  const latencyMs = 3_000;
  const sim = await createSimModelServer({ port: 0, dataDir, latencyMs });
  try {
    const taskQueue = uniqueTaskQueue('shutdown');
    const first = worker(taskQueue, sim, 30, 'graceful-1');
    await first.ready;
    const id = `shutdown-${Date.now()}`;
    await startHarvest(client, settings(id), taskQueue);
    // The first model calls are on their way (each takes 3 s): stop the worker now.
    await waitUntil('a model call in flight', () => sim.stats().requests.total > 0, 60_000);
    await new Promise((r) => setTimeout(r, 300)); // its sibling leaf's call too
    const inFlightAtSignal = sim.stats().requests.total;
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    const took = Date.now() - signalled;
    t.diagnostic(
      `worker exited ${exit.code ?? exit.signal} ${took} ms after SIGTERM; ${inFlightAtSignal} calls were in flight`,
    );
    assert.equal(exit.code, 0, first.output().slice(-2000));
    assert.ok(took >= latencyMs - 1_000, `exited after ${took} ms, before the call in flight could finish`);
    // Within the grace: had it run out, the calls in flight would have been cancelled and retried,
    // which the history scan below would show (no wall-clock bound on a loaded machine).
    // Every call that reached the model was answered before the worker left.
    assert.equal(sim.stats().completions, sim.stats().requests.total);
    const byFirst = sim.stats().requests.total;

    const second = worker(taskQueue, sim, 30, 'graceful-2');
    await second.ready;
    const progress = await awaitHarvest(testAddress(), testNamespace(), id, 180_000);
    assert.equal(progress.done, 1);
    assert.equal(progress.failed, 0);
    second.child.kill('SIGTERM');
    await second.exited;

    // Nothing was lost or paid twice: no activity needed a second attempt, and the model saw
    // exactly the calls the conversation records.
    const scan = await scanHistories(client, id);
    assert.deepEqual(scan.retriedActivities, {}, scan.lastFailures.join('\n'));
    assert.equal(sim.stats().requests.total, llmCallsIn(path.join(tmp, id)));
    // ...and the calls the first worker had in flight are recorded as completed by it.
    const firstWorker = Object.entries(scan.activitiesBy).find(([who]) => who.startsWith(`${first.pid}@`));
    assert.ok(firstWorker && firstWorker[1] >= byFirst, JSON.stringify(scan.activitiesBy));
  } finally {
    await sim.close();
  }
});

test('the grace is bounded: a call still running when it ends is cancelled, retried by the next worker', async (t) => {
  const sim = await createSimModelServer({ port: 0, dataDir, latencyMs: 20_000 });
  const fast = await createSimModelServer({ port: 0, dataDir });
  try {
    const taskQueue = uniqueTaskQueue('shutdown-bounded');
    const first = worker(taskQueue, sim, 2, 'bounded-1');
    await first.ready;
    const id = `shutdown-bounded-${Date.now()}`;
    await startHarvest(client, settings(id), taskQueue);
    await waitUntil('a model call in flight', () => sim.stats().requests.total > 0, 60_000);
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    const took = Date.now() - signalled;
    t.diagnostic(`worker exited ${exit.code ?? exit.signal} ${took} ms after SIGTERM (grace 2 s, call 20 s)`);
    assert.equal(exit.code, 0, first.output().slice(-2000));
    // Bounded by the grace, not the call: a worker that had waited for the 20 s call would have
    // seen it answered (no wall-clock bound on a loaded machine).
    assert.equal(sim.stats().completions, 0, 'the slow call did not finish');

    // The next worker (a fast model) redoes the cancelled call and finishes the run.
    const second = worker(taskQueue, fast, 30, 'bounded-2');
    await second.ready;
    const progress = await awaitHarvest(testAddress(), testNamespace(), id, 180_000);
    assert.equal(progress.done, 1);
    second.child.kill('SIGTERM');
    await second.exited;
    const scan = await scanHistories(client, id);
    assert.ok((scan.retriedActivities.agentTurn ?? 0) >= 1, JSON.stringify(scan.retriedActivities));
  } finally {
    await sim.close();
    await fast.close();
  }
});
