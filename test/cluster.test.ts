// The multi-machine path, run for real (issue 16): a 20-task ToolWOZ harvest on the PostgreSQL-
// backed Temporal server that docker-compose.yml runs — here started by `josh cluster`'s code from
// the same deploy/temporal/ files: PostgreSQL of its own, the schema tool's steps, the real
// temporal-server, the namespace and search attributes — with two separate `josh worker`
// processes. While it runs,
//   (a) one worker is SIGKILLed (a replacement is started, as an operator or compose would),
//   (b) the Temporal server is SIGKILLed and started again on the same database,
//   (c) PostgreSQL is stopped like a crash (immediate) and started again,
// and then its exports must be byte-identical to those of an undisturbed run with the same seed,
// which runs at the same time on a private dev server (a temporary SQLite file) with one worker of its own.
//
// Model calls are counted at the simulated model through a recording proxy per run
// (helpers/modelLedger.ts): a request body the cluster run sent more often than the undisturbed
// run is a call paid twice, and each such call's first payment must have been in flight at a
// disturbance — begun no earlier than IN_FLIGHT_MS before it and before its end — never a call
// that had been answered and recorded well before.
//
// Provisioning (the server's Go build) is cached per user; `.ci/run` builds it before the suite.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startCluster, type Cluster } from '../src/cluster';
import { findPostgresBin } from '../src/cluster/postgres';
import type { RunConfigInput } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import { SA } from '../src/shared/searchAttributes';
import { SEARCH_ATTRIBUTES } from '../src/shared/taskQueues';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import {
  awaitHarvest,
  comparableResults,
  exportAll,
  killHard,
  scanHistories,
  spawnWorker,
  startHarvest,
  startOwnServer,
  waitUntil,
  type OwnServer,
  type WorkerProcess,
} from './helpers/chaos';
import { countByHash, startModelLedger, type LedgerEntry, type ModelLedger } from './helpers/modelLedger';
import { uniqueTaskQueue } from './helpers/temporal';

const SETTINGS: Omit<RunConfigInput, 'id'> = {
  split: 'val',
  limit: 20,
  seed: 'cluster-equivalence',
  beamSize: 3,
  branching: 2,
  maxSteps: 6,
  userSim: 'script',
  concurrency: 20,
};
/** The file has 600 s in all; a run not done by then is stuck, and says where (stuckWork). */
const RUN_TIMEOUT_MS = 300_000;
/** How long before a disturbance a call may have begun and still count as in flight at it: an
 * agent turn heartbeats its progress after each call, but the SDK holds heartbeats back for up to
 * 0.8 × the 20 s heartbeat timeout, so a turn's calls of the last 16 s may not be recorded yet. */
const IN_FLIGHT_MS = 20_000;

const dataDir = resolveDataDir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-cluster-'));
fs.chmodSync(tmp, 0o755); // PostgreSQL runs as another account when we are root

/** Outside CI a machine without PostgreSQL skips the file; in CI it fails (the CI script installs it). */
function missingPostgres(): string | false {
  if (process.env.CI) return false;
  try {
    findPostgresBin();
    return false;
  } catch (err) {
    return (err as Error).message;
  }
}
const skip = missingPostgres();

interface Outcome {
  id: string;
  runDir: string;
  exports: Map<string, Buffer>;
  seconds: number;
  /** Activities of the run by the worker process that ran them (pid), from the histories. */
  activitiesByPid?: Map<number, number>;
  workerPids?: number[];
}

interface Disturbance {
  what: string;
  /** When it began and when things were back (ms since the epoch). */
  from: number;
  to: number;
  calls: number;
  inFlight: number;
  finished: number;
}

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const finishedConversations = (runDir: string): number => {
  const dir = path.join(runDir, 'conversations');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
};

function workerOptions(name: string, address: string, taskQueue: string, ledger: ModelLedger) {
  return {
    address,
    taskQueue,
    modelUrl: `${ledger.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(tmp, `${name}-worker.log`),
    args: ['--shutdown-grace', '2'],
  };
}

async function connect(address: string, namespace: string) {
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }) };
}

let sim: SimModelServer;
let refLedger: ModelLedger;
let clusterLedger: ModelLedger;
let cluster: Cluster;
let reference: Promise<Outcome>;
let disturbed: Promise<Outcome>;
const disturbances: Disturbance[] = [];
let clusterStartSeconds = 0;
/** Why a workflow started the moment the cluster was up was refused, or null if it was not. */
let startRefusedAtOnce: string | null = null;

/** Starts (and terminates) a workflow that sets every search attribute josh sets, on no worker's
 * queue: the frontend learns freshly registered attributes seconds after they are registered, and
 * a run started in between is refused, so `josh cluster` must not say ready before that. */
async function startWithEveryAttribute(c: Cluster): Promise<string | null> {
  const { client, connection } = await connect(c.address, c.namespace);
  try {
    const handle = await client.workflow.start('readinessProbe', {
      workflowId: `readiness-probe-${Date.now()}`,
      taskQueue: uniqueTaskQueue('readiness-probe'),
      typedSearchAttributes: [
        { key: SA.kind, value: 'harvest' },
        { key: SA.harvestId, value: 'probe' },
        { key: SA.env, value: 'toolwoz' },
        { key: SA.split, value: 'val' },
        { key: SA.taskId, value: 'probe' },
        { key: SA.reward, value: 0 },
        { key: SA.success, value: false },
        { key: SA.status, value: 'running' },
      ],
    });
    await handle.terminate('readiness probe');
    return null;
  } catch (err) {
    return `${(err as Error).message}: ${((err as Error).cause as Error | undefined)?.message ?? ''}`;
  } finally {
    await connection.close();
  }
}

/** The undisturbed run: a private dev server (a temporary SQLite file) and one worker. */
async function runReference(): Promise<Outcome> {
  const server: OwnServer = await startOwnServer(path.join(tmp, 'reference-server'), { persist: false });
  cleanups.push(() => server.stop());
  const taskQueue = uniqueTaskQueue('cluster-ref');
  const w = spawnWorker(workerOptions('reference', server.address, taskQueue, refLedger));
  cleanups.push(() => killHard(w));
  await w.ready;
  const id = `cluster-ref-${Date.now()}`;
  const runDir = path.join(tmp, id);
  const t0 = Date.now();
  const { client, connection } = await connect(server.address, server.handle.namespace);
  try {
    const { handle } = await startHarvest(client, { ...SETTINGS, id, outDir: runDir }, taskQueue);
    await handle.result();
  } finally {
    await connection.close();
  }
  return {
    id,
    runDir,
    seconds: (Date.now() - t0) / 1000,
    exports: exportAll(runDir, dataDir, path.join(tmp, 'exports', id)),
  };
}

/** What a run that does not finish waits for: its open workflows' pending activities. */
async function stuckWork(harvestId: string): Promise<string> {
  const { client, connection } = await connect(cluster.address, cluster.namespace);
  const lines: string[] = [];
  try {
    for await (const wf of client.workflow.list({
      query: `JoshHarvestId = "${harvestId}" AND ExecutionStatus = "Running"`,
    })) {
      const d = await client.workflow.getHandle(wf.workflowId).describe();
      const pending = (d.raw.pendingActivities ?? []).map(
        (a) => `${a.activityType?.name ?? '?'} ${String(a.state)} attempt ${a.attempt}`,
      );
      lines.push(`  open: ${wf.workflowId} (${wf.type}) ${pending.join('; ')}`);
    }
  } finally {
    await connection.close();
  }
  return lines.length ? `still open:\n${lines.join('\n')}` : 'no open workflow listed';
}

/** The run on the cluster, with two workers, disturbed three times. */
async function runOnCluster(): Promise<Outcome> {
  const taskQueue = uniqueTaskQueue('cluster');
  const workers: WorkerProcess[] = ['a', 'b'].map((n) =>
    spawnWorker(workerOptions(`cluster-${n}`, cluster.address, taskQueue, clusterLedger)),
  );
  cleanups.push(() => Promise.all(workers.map((w) => killHard(w))));
  await Promise.all(workers.map((w) => w.ready));
  const allPids = workers.map((w) => w.pid);
  const id = `cluster-run-${Date.now()}`;
  const runDir = path.join(tmp, id);
  const t0 = Date.now();
  const first = await connect(cluster.address, cluster.namespace);
  const { handle } = await startHarvest(first.client, { ...SETTINGS, id, outDir: runDir }, taskQueue);
  const running = async () => {
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch {
      return true; // the server is the thing being restarted
    }
  };
  const calls = () => clusterLedger.entries.length;
  const at = async (point: number, what: string, act: () => Promise<void>) => {
    await waitUntil(
      `${point} model calls`,
      async () => calls() >= point || !(await running()),
      RUN_TIMEOUT_MS,
    );
    assert.ok(await running(), `the run ended after ${calls()} model calls, before ${what} at ${point}`);
    const d: Disturbance = {
      what,
      from: Date.now(),
      to: 0,
      calls: calls(),
      inFlight: clusterLedger.inFlight(),
      finished: finishedConversations(runDir),
    };
    await act();
    d.to = Date.now();
    disturbances.push(d);
  };
  try {
    // The run makes ~360 model calls; one disturbance in each part of it.
    await at(60, '(a) worker kill', async () => {
      await killHard(workers[0]!);
      workers[0] = spawnWorker(workerOptions('cluster-a2', cluster.address, taskQueue, clusterLedger));
      allPids.push(workers[0].pid);
      await workers[0].ready;
    });
    await first.connection.close();
    await at(150, '(b) Temporal server restart', () => cluster.restartServer({ kill: true, downMs: 2_000 }));
    await at(240, '(c) PostgreSQL restart', () =>
      cluster.restartPostgres({ mode: 'immediate', downMs: 2_000 }),
    );
    const progress = await awaitHarvest(cluster.address, cluster.namespace, id, RUN_TIMEOUT_MS).catch(
      async (err: Error) => {
        err.message += `\n${await stuckWork(id).catch((e: Error) => `(could not describe: ${e.message})`)}`;
        throw err;
      },
    );
    assert.equal(progress.done, 20, `${progress.done}/20 conversations`);
    assert.equal(progress.failed, 0, `${progress.failed} conversations failed: ${progress.lastError ?? ''}`);
  } finally {
    await first.connection.close().catch(() => undefined);
  }
  const seconds = (Date.now() - t0) / 1000;
  const last = await connect(cluster.address, cluster.namespace);
  const activitiesByPid = new Map<number, number>();
  try {
    const scan = await scanHistories(last.client, id);
    for (const [identity, n] of Object.entries(scan.activitiesBy)) {
      const pid = Number(identity.split('@')[0]);
      activitiesByPid.set(pid, (activitiesByPid.get(pid) ?? 0) + n);
    }
  } finally {
    await last.connection.close();
  }
  return {
    id,
    runDir,
    seconds,
    exports: exportAll(runDir, dataDir, path.join(tmp, 'exports', id)),
    activitiesByPid,
    workerPids: allPids,
  };
}

before(async () => {
  if (skip) return;
  // 100 ms per call keeps calls on the wire at any moment, so the disturbances hit some (the
  // answers depend on the request only, not on timing).
  sim = await createSimModelServer({ port: 0, dataDir, latencyMs: 100 });
  refLedger = await startModelLedger(sim.url);
  clusterLedger = await startModelLedger(sim.url);
  cleanups.push(
    () => sim.close(),
    () => refLedger.close(),
    () => clusterLedger.close(),
  );
  reference = runReference();
  reference.catch(() => undefined);
  const t0 = Date.now();
  cluster = await startCluster({ dir: path.join(tmp, 'cluster'), log: () => undefined });
  clusterStartSeconds = (Date.now() - t0) / 1000;
  cleanups.push(() => cluster.stop());
  startRefusedAtOnce = await startWithEveryAttribute(cluster);
  disturbed = runOnCluster();
  disturbed.catch(() => undefined);
});

test(
  'josh cluster: PostgreSQL, schemas, server, namespace and exactly the product search attributes',
  { skip },
  async (t) => {
    t.diagnostic(
      `cluster up in ${clusterStartSeconds.toFixed(1)} s: ${cluster.provisioned.version} at ${cluster.address}`,
    );
    assert.equal(startRefusedAtOnce, null, 'a run started as soon as the cluster said ready');
    const { client, connection } = await connect(cluster.address, cluster.namespace);
    try {
      const sa = await client.connection.operatorService.listSearchAttributes({
        namespace: cluster.namespace,
      });
      const types: Record<number, string> = { 2: 'Keyword', 4: 'Double', 5: 'Bool' };
      const custom = Object.fromEntries(
        Object.entries(sa.customAttributes ?? {}).map(([k, v]) => [k, types[Number(v)] ?? `type ${v}`]),
      );
      assert.deepEqual(custom, SEARCH_ATTRIBUTES);
      const info = await client.workflowService.getSystemInfo({});
      assert.ok(info.serverVersion?.startsWith('1.29.1'), `server version ${info.serverVersion}`);
    } finally {
      await connection.close();
    }
    assert.ok(cluster.postgresPid(), 'PostgreSQL runs');
  },
);

test(
  '20-task harvest on the cluster with two workers, a worker killed, the server and PostgreSQL restarted: byte-identical exports',
  { skip },
  async (t) => {
    const [run, ref] = await Promise.all([disturbed, reference]);
    t.diagnostic(
      `reference (dev server): ${ref.seconds.toFixed(1)} s; cluster run: ${run.seconds.toFixed(1)} s`,
    );
    for (const d of disturbances) {
      t.diagnostic(
        `${d.what}: at ${d.calls} model calls (${d.inFlight} on the wire, ${d.finished}/20 conversations written), back after ${((d.to - d.from) / 1000).toFixed(1)} s`,
      );
    }
    assert.deepEqual(
      disturbances.map((d) => d.what),
      ['(a) worker kill', '(b) Temporal server restart', '(c) PostgreSQL restart'],
    );
    for (const d of disturbances)
      assert.ok(d.finished < 20, `${d.what}: all 20 conversations were written before it`);
    assert.deepEqual([...run.exports.keys()], [...ref.exports.keys()]);
    for (const [name, bytes] of ref.exports) {
      assert.ok(bytes.length > 0, `${name} is empty`);
      const got = run.exports.get(name)!;
      assert.ok(
        got.equals(bytes),
        `${name}: differs from the undisturbed run's (${got.length} vs ${bytes.length} bytes)`,
      );
    }
    assert.deepEqual(comparableResults(run.runDir), comparableResults(ref.runDir));
    // Separate worker processes shared the work (the surviving one and the replacement at least).
    const by = [...(run.activitiesByPid ?? new Map<number, number>())].filter(([pid]) =>
      run.workerPids?.includes(pid),
    );
    t.diagnostic(`activities by worker pid: ${by.map(([p, n]) => `${p}: ${n}`).join(', ')}`);
    assert.ok(by.length >= 2, `activities ran in ${by.length} of the worker processes`);
  },
);

test('no model call was paid twice except calls in flight at a disturbance', { skip }, async (t) => {
  await Promise.all([disturbed, reference]);
  const ref = countByHash(refLedger.entries);
  const got = countByHash(clusterLedger.entries);
  const extra = clusterLedger.entries.length - refLedger.entries.length;
  // Every call of the undisturbed run was made on the cluster too, at least as often.
  for (const [hash, n] of ref)
    assert.ok((got.get(hash) ?? 0) >= n, `a call of the reference was not made on the cluster`);
  // The repeats: for each body sent more often, its payments after the reference's count.
  const byHash = new Map<string, LedgerEntry[]>();
  for (const e of clusterLedger.entries) byHash.set(e.hash, [...(byHash.get(e.hash) ?? []), e]);
  const repeats: { first: LedgerEntry; again: LedgerEntry }[] = [];
  for (const [hash, list] of byHash) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = ref.get(hash) ?? 0; i < sorted.length; i++)
      repeats.push({ first: sorted[i - 1]!, again: sorted[i]! });
  }
  assert.equal(repeats.length, extra, 'every extra call is a repeated body');
  const cause = (r: { first: LedgerEntry; again: LedgerEntry }) =>
    disturbances.find(
      (d) => r.first.start >= d.from - IN_FLIGHT_MS && r.first.start <= d.to && r.again.start >= d.from,
    );
  const perCause = new Map<string, number>();
  for (const r of repeats) {
    const d = cause(r);
    assert.ok(
      d,
      `a call first paid at +${((r.first.start - disturbances[0]!.from) / 1000).toFixed(1)} s (relative to the first disturbance), ` +
        `answered at +${((r.first.end - disturbances[0]!.from) / 1000).toFixed(1)} s, was paid again: it was in flight at no disturbance`,
    );
    perCause.set(d.what, (perCause.get(d.what) ?? 0) + 1);
  }
  t.diagnostic(
    `model calls: reference ${refLedger.entries.length}, cluster ${clusterLedger.entries.length} (${extra} paid twice: ` +
      `${[...perCause].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`,
  );
});
