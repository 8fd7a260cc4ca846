// Crash equivalence: the same 20-task harvest (same seed and settings) run undisturbed, and at the
// same time three more times while
//   (a) its worker process is SIGKILLed three times at random moments and restarted,
//   (b) the Temporal dev server is SIGKILLed mid-run and restarted from its SQLite file,
//   (c) the model answers 20 % of requests with 429 + Retry-After, 10 % with 500, and leaves 5 %
//       hanging (the worker's client timeout is 2 s, so a hang becomes a retry quickly),
//   (d) as (a), with each agent turn run as an activity of its conversation (`turns: activity`,
//       issue 17) where the reference runs them as child workflows.
// Every disturbed run completes, every export format of it is byte-identical to the undisturbed
// run's, and the retries the disturbances caused are there to see in the workflow histories.
//
// Each run has a dev server of its own (on a temporary SQLite file; (b)'s in a SQLite file it can be restarted
// from) and a real `josh worker` process; the simulated model is served from this process. The
// runs go at once, so the file takes about one run's time rather than five, and leaves the
// suite's shared server to the other test files. The five runs share the machine's two cores.
//
// The moments of the kills come from a seeded random schedule. Each test's failure message names
// the seed; `JOSH_CHAOS_SEED=<seed>` replays that schedule, and `JOSH_CHAOS_CASES=b` (any of
// a, b, c, d, comma-separated) runs only those cases besides the reference.
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { RunConfigInput } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import {
  awaitHarvest,
  seededRandom,
  comparableResults,
  exportAll,
  killHard,
  scanHistories,
  sleep,
  spawnWorker,
  startHarvest,
  startOwnServer,
  type OwnServer,
  type RetryScan,
  type WorkerProcess,
  waitUntil,
} from './helpers/chaos';
import { uniqueTaskQueue } from './helpers/temporal';

/** 20 val tasks and a real beam; the scripted user keeps the model calls to the agent's. */
const SETTINGS: Omit<RunConfigInput, 'id'> = {
  split: 'val',
  limit: 20,
  seed: 'chaos-equivalence',
  beamSize: 3,
  branching: 2,
  maxSteps: 6,
  userSim: 'script',
  concurrency: 20,
};
const RUN_TIMEOUT_MS = 270_000;

const dataDir = resolveDataDir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-chaos-'));
const SEED = process.env.JOSH_CHAOS_SEED ?? `chaos-${Date.now()}`;
/** One stream per case, so the order in which the concurrent runs draw cannot change a schedule. */
const randomFor = (c: string) => seededRandom(`${SEED}/${c}`);
const CASES = new Set((process.env.JOSH_CHAOS_CASES ?? 'a,b,c,d').split(',').map((c) => c.trim()));
const skipCase = (c: string) =>
  CASES.has(c) ? false : `not in JOSH_CHAOS_CASES=${process.env.JOSH_CHAOS_CASES}`;

/** Runs a test body; a failure names the seed of the schedule, to replay it. */
async function seeded(t: TestContext, body: () => Promise<void>): Promise<void> {
  t.diagnostic(`seed ${SEED} (replay: JOSH_CHAOS_SEED=${SEED})`);
  try {
    await body();
  } catch (err) {
    // The reference's failure reaches every test as the same error: name the seed once.
    if (err instanceof Error && !err.message.includes(SEED))
      err.message += `\n(chaos schedule seed: JOSH_CHAOS_SEED=${SEED})`;
    throw err;
  }
}

interface Outcome {
  id: string;
  runDir: string;
  exports: Map<string, Buffer>;
  seconds: number;
  agentCalls: number;
  scan: RetryScan;
  /** What was done to the run, for the test's diagnostics. */
  story: string[];
  /** (b): the run as the server was killed, and the model calls made by the end. */
  serverKill?: { status: string; calls: number; finished: number; callsAtEnd: number; at: number };
}

let sim: SimModelServer;
let killSim: SimModelServer;
let killActivitySim: SimModelServer;
let faultySim: SimModelServer;
let serverSim: SimModelServer;
const runs: Partial<Record<'reference' | 'kill' | 'killActivity' | 'server' | 'faults', Promise<Outcome>>> =
  {};

/** A `josh worker` process for one run, on that run's own task queue. */
function worker(
  name: string,
  o: { address: string; taskQueue: string; model: SimModelServer; env?: NodeJS.ProcessEnv },
): WorkerProcess {
  const options: Parameters<typeof spawnWorker>[0] = {
    address: o.address,
    taskQueue: o.taskQueue,
    modelUrl: `${o.model.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(tmp, `${name}-worker.log`),
    env: o.env,
    args: ['--shutdown-grace', '2'],
  };
  return restartable(spawnWorker(options), options);
}

/** spawnWorker options of each worker process, to start its successor the same way. */
const spawnOptions = new WeakMap<WorkerProcess, Parameters<typeof spawnWorker>[0]>();
function restartable(w: WorkerProcess, o: Parameters<typeof spawnWorker>[0]): WorkerProcess {
  spawnOptions.set(w, o);
  return w;
}
function successorOf(w: WorkerProcess): WorkerProcess {
  const o = spawnOptions.get(w);
  assert.ok(o, 'worker started outside worker()');
  return restartable(spawnWorker(o), o);
}

interface Disturbance {
  runDir: string;
  /** Facts the test checks afterwards. */
  record: Partial<NonNullable<Outcome['serverKill']>>;
  worker: () => WorkerProcess;
  replace: (w: WorkerProcess) => void;
  story: string[];
  running: () => Promise<boolean>;
}

/** Runs one harvest on its own dev server with a fresh worker, disturbing it with `disturb`. */
async function harvest(
  name: string,
  o: {
    model: SimModelServer;
    env?: NodeJS.ProcessEnv;
    /** Keep the server's state in SQLite (so it can be killed and restarted). */
    persist?: boolean;
    /** The turn shape (issue 17); the reference runs the default, child workflows. */
    turns?: 'child' | 'activity';
    disturb?: (ctx: Disturbance & { server: OwnServer }) => Promise<void>;
  },
): Promise<Outcome> {
  const id = `chaos-${name}-${Date.now()}`;
  const taskQueue = uniqueTaskQueue(`chaos-${name}`);
  const runDir = path.join(tmp, id);
  const server = await startOwnServer(path.join(tmp, `${name}-server`), { persist: o.persist ?? false });
  servers.push(server);
  let current = worker(name, { address: server.address, taskQueue, model: o.model, env: o.env });
  const story: string[] = [];
  const record: Disturbance['record'] = {};
  const connect = async () => {
    const connection = await Connection.connect({ address: server.address });
    return { connection, client: new Client({ connection, namespace: server.handle.namespace }) };
  };
  try {
    await current.ready;
    const t0 = Date.now();
    const first = await connect();
    const { handle } = await startHarvest(
      first.client,
      { ...SETTINGS, id, outDir: runDir, ...(o.turns ? { turns: o.turns } : {}) },
      taskQueue,
    );
    await o.disturb?.({
      server,
      runDir,
      worker: () => current,
      replace: (w) => (current = w),
      story,
      record,
      running: async () => (await handle.describe()).status.name === 'RUNNING',
    });
    await first.connection.close();
    const progress = await awaitHarvest(server.address, server.handle.namespace, id, RUN_TIMEOUT_MS).catch(
      (err: Error) => {
        err.message += `\n(logs: ${path.join(tmp, `${name}-server`, 'temporal-server.log')}, ${path.join(tmp, `${name}-worker.log`)})`;
        throw err;
      },
    );
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(progress.done, 20, `${name}: ${progress.done}/20 conversations`);
    assert.equal(progress.failed, 0, `${name}: ${progress.failed} conversations failed`);
    const exports = exportAll(runDir, dataDir, path.join(tmp, 'exports', id));
    const last = await connect();
    try {
      const scan = await scanHistories(last.client, id);
      const outcome: Outcome = {
        id,
        runDir,
        exports,
        seconds,
        agentCalls: progress.usage.agent.calls,
        scan,
        story,
      };
      if (record.status !== undefined) {
        outcome.serverKill = {
          status: record.status,
          calls: record.calls ?? 0,
          finished: record.finished ?? 0,
          at: record.at ?? 0,
          callsAtEnd: o.model.stats().requests.total,
        };
      }
      return outcome;
    } finally {
      await last.connection.close();
    }
  } finally {
    await killHard(current);
  }
}

/** Lines of a worker's JSON log at or after `since` (ms) saying its calls to the server failed
 * because the server was unavailable (the SDK retries them). */
function outageLines(logFile: string, since: number): number {
  if (!fs.existsSync(logFile)) return 0;
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => {
      if (!line.startsWith('{')) return false;
      try {
        const entry = JSON.parse(line) as { time?: number };
        return (entry.time ?? 0) >= since && /Unavailable|tcp connect error|transport error/.test(line);
      } catch {
        return false;
      }
    }).length;
}

/** How many conversations of a run have finished, from its result files. */
const finished = (runDir: string): number => {
  const dir = path.join(runDir, 'conversations');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
};

const servers: OwnServer[] = [];

/** Three SIGKILLs of the worker, one in each third of the run, at random points of it. Progress
 * is counted in model calls (the run makes ~360), not finished conversations: with all 20
 * running at once, those finish in a burst at the end. */
function killThrice(c: string, model: SimModelServer): NonNullable<Parameters<typeof harvest>[1]['disturb']> {
  return async ({ runDir, worker: current, replace, story, running }) => {
    const random = randomFor(c);
    const points = [random(20, 90), random(130, 190), random(230, 290)].map(Math.round);
    const calls = () => model.stats().requests.total;
    for (const [i, point] of points.entries()) {
      await waitUntil(
        `${point} model calls`,
        async () => calls() >= point || !(await running()),
        RUN_TIMEOUT_MS,
      );
      assert.ok(
        await running(),
        `the run ended after ${calls()} model calls, before kill ${i + 1} at ${point}`,
      );
      const old = current();
      await killHard(old);
      story.push(`kill ${i + 1}: after ${calls()} model calls, ${finished(runDir)}/20 conversations done`);
      const next = successorOf(old);
      replace(next);
      const t0 = Date.now();
      await next.ready;
      story.push(`restarted worker ${i + 1} polls after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  };
}

before(async () => {
  sim = await createSimModelServer({ port: 0, dataDir });
  faultySim = await createSimModelServer({
    port: 0,
    dataDir,
    seed: 7,
    faults: { '429': 0.2, '500': 0.1, hang: 0.05 },
  });

  runs.reference = harvest('reference', { model: sim });
  process.stderr.write(`chaos schedule seed: ${SEED} (replay: JOSH_CHAOS_SEED=${SEED})\n`);

  // The killed runs have a model of their own, so the model calls each has made measure how far it is.
  killSim = await createSimModelServer({ port: 0, dataDir });
  if (CASES.has('a')) runs.kill = harvest('kill', { model: killSim, disturb: killThrice('a', killSim) });
  // The same kills with each agent turn run as an activity of its conversation (issue 17): its
  // exports must equal the reference's, which ran the turns as child workflows.
  killActivitySim = await createSimModelServer({ port: 0, dataDir });
  if (CASES.has('d'))
    runs.killActivity = harvest('kill-activity', {
      model: killActivitySim,
      turns: 'activity',
      disturb: killThrice('d', killActivitySim),
    });

  // A short client timeout turns a hung request into a retry within seconds.
  if (CASES.has('c'))
    runs.faults = harvest('faults', { model: faultySim, env: { JOSH_LLM_TIMEOUT_MS: '2000' } });

  // The server-killed run has a model of its own too: its calls say where the run is.
  serverSim = await createSimModelServer({ port: 0, dataDir });
  if (CASES.has('b'))
    runs.server = harvest('server', {
      model: serverSim,
      persist: true,
      async disturb({ server, runDir, story, record, running }) {
        // Anywhere from early to late in the run (~360 model calls), while work is in flight.
        const point = Math.round(randomFor('b')(30, 280));
        const calls = () => serverSim.stats().requests.total;
        await waitUntil(
          `${point} model calls`,
          async () => calls() >= point || !(await running()),
          RUN_TIMEOUT_MS,
        );
        // The run must still be running when the server dies, or the kill tests nothing.
        const status = (await running()) ? 'RUNNING' : 'not running';
        const at = Date.now();
        await server.kill();
        Object.assign(record, { status, calls: calls(), finished: finished(runDir), at });
        await sleep(2_000); // down for a while: the worker's polls and completions fail meanwhile
        await server.restart();
        story.push(
          `server SIGKILLed at ${record.calls} model calls (planned ${point}; run ${status}, ` +
            `${record.finished}/20 conversations done), restarted 2 s later`,
        );
      },
    }); // Each test awaits its own run; a failure is reported there, not as an unhandled rejection.
  for (const p of Object.values(runs)) p.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(Object.values(runs));
  await Promise.allSettled(servers.map((s) => s.stop()));
  await sim?.close();
  await killSim?.close();
  await killActivitySim?.close();
  await faultySim?.close();
  await serverSim?.close();
});

function describeRun(t: TestContext, name: string, o: Outcome): void {
  const retried = Object.entries(o.scan.retriedActivities)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  t.diagnostic(
    `${name}: ${o.seconds.toFixed(1)} s, ${o.agentCalls} agent calls, ${o.scan.workflows} histories ` +
      `(${o.scan.events} events); retried: ${retried || 'none'}; workflow task timeouts ` +
      `${o.scan.workflowTaskTimeouts}, failures ${o.scan.workflowTaskFailures}, ` +
      `retries ${o.scan.workflowTaskRetries}`,
  );
  for (const line of o.story) t.diagnostic(`${name}: ${line}`);
}

function assertEquivalent(run: Outcome, reference: Outcome): void {
  assert.deepEqual([...run.exports.keys()], [...reference.exports.keys()]);
  for (const [name, bytes] of reference.exports) {
    const got = run.exports.get(name)!;
    assert.ok(
      got.equals(bytes),
      `${name}: differs from the undisturbed run's (${got.length} vs ${bytes.length} bytes)`,
    );
  }
  // Stronger than the exports: the whole search trees, minus run ids and wall-clock times.
  assert.deepEqual(comparableResults(run.runDir), comparableResults(reference.runDir));
}

const retries = (s: RetryScan): number => Object.values(s.retriedActivities).reduce((a, b) => a + b, 0);

test('undisturbed reference: 20 conversations, exports non-empty and free of run ids and times', async (t) => {
  await seeded(t, async () => {
    const ref = await runs.reference!;
    describeRun(t, 'reference', ref);
    assert.equal(comparableResults(ref.runDir).length, 20);
    for (const [name, bytes] of ref.exports) {
      assert.ok(bytes.length > 0, `${name} is empty`);
      // Nothing that names this run or when it ran (the result files have both; exports must not).
      const text = bytes.toString('utf8');
      assert.ok(!text.includes(ref.id), `${name} contains the run id`);
      assert.doesNotMatch(text, /\d{4}-\d\d-\d\dT\d\d:\d\d/, `${name} contains a timestamp`);
    }
  });
});

test(
  '(a) worker SIGKILLed three times at random moments: completes, byte-identical exports',
  { skip: skipCase('a') },
  async (t) => {
    await seeded(t, async () => {
      const [run, ref] = await Promise.all([runs.kill!, runs.reference!]);
      describeRun(t, '(a) worker kills', run);
      assertEquivalent(run, ref);
      // What was in flight at a kill was lost with the worker and taken up again: an activity on a
      // later attempt (heartbeat or start-to-close timeout), or a workflow task that timed out.
      assert.ok(
        retries(run.scan) + run.scan.workflowTaskTimeouts > 0,
        'no trace of the kills in any history',
      );
    });
  },
);

test(
  '(d) worker SIGKILLed three times with turns run as activities: completes, exports byte-identical to the child-workflow reference',
  { skip: skipCase('d') },
  async (t) => {
    await seeded(t, async () => {
      const [run, ref] = await Promise.all([runs.killActivity!, runs.reference!]);
      describeRun(t, '(d) worker kills, activity turns', run);
      assertEquivalent(run, ref);
      assert.ok(
        retries(run.scan) + run.scan.workflowTaskTimeouts > 0,
        'no trace of the kills in any history',
      );
    });
  },
);

test(
  '(b) Temporal server SIGKILLed mid-run and restarted from SQLite: completes, byte-identical exports',
  { skip: skipCase('b') },
  async (t) => {
    await seeded(t, async () => {
      const [run, ref] = await Promise.all([runs.server!, runs.reference!]);
      describeRun(t, '(b) server kill', run);
      const kill = run.serverKill;
      assert.ok(kill, 'the server was never killed');
      // The kill hit a run in progress: running, not every conversation written, and the model
      // was asked for more after the server came back.
      assert.equal(kill.status, 'RUNNING', 'the run had ended before the server was killed');
      assert.ok(kill.finished < 20, `all 20 conversations were written before the kill`);
      assert.ok(
        kill.callsAtEnd > kill.calls,
        `no model call after the restart (${kill.calls} at the kill, ${kill.callsAtEnd} at the end)`,
      );
      assertEquivalent(run, ref);
      // The kill hit work in flight, and it shows: in the histories, what the dead server lost was
      // done again (a retried activity, or a workflow task timed out, failed or scheduled again,
      // recorded after the kill; a loaded machine leaves such traces in an undisturbed run too,
      // these are the ones dated after it); or, when the server was back before anything had to
      // be redone, in the worker's log, whose calls to the server failed and were retried.
      const afterKill = run.scan.traceTimes.filter((ms) => ms >= kill.at).length;
      const felt = outageLines(path.join(tmp, 'server-worker.log'), kill.at);
      t.diagnostic(
        `(b) ${afterKill} of ${run.scan.traceTimes.length} retry traces recorded after the kill; ${felt} worker log lines of the server unavailable`,
      );
      assert.ok(
        afterKill + felt > 0,
        "no retry or re-dispatch after the kill in any history, and no failed call in the worker's log: did it hit anything in flight?",
      );
    });
  },
);

test(
  '(c) 429/500/hanging model: completes, byte-identical exports, retries in the histories',
  { skip: skipCase('c') },
  async (t) => {
    await seeded(t, async () => {
      const [run, ref] = await Promise.all([runs.faults!, runs.reference!]);
      describeRun(t, '(c) model faults', run);
      const faults = faultySim.stats().faults;
      t.diagnostic(`(c) faults served: ${JSON.stringify(faults)}`);
      assertEquivalent(run, ref);
      assert.ok(faults['429'] > 0 && faults['500'] > 0 && faults.hang > 0, JSON.stringify(faults));
      // Each retried call records the failure of the attempt before the one that succeeded.
      const failures = run.scan.lastFailures.join('\n');
      assert.match(failures, /HTTP 429/);
      assert.match(failures, /HTTP 500/);
      assert.match(failures, /timed out/);
      assert.ok((run.scan.retriedActivities.agentTurn ?? 0) > 0);
    });
  },
);
