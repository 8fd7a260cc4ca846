// Building blocks of the chaos, shutdown and secrets tests: `josh worker` as a real separate
// process (killable, restartable), a private dev server that can be killed and restarted from its
// SQLite file, harvest runs that survive a server outage while they are watched, every export
// format of a run as bytes, and a scan of a run's workflow histories for retries.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import { RunConfig, type RunConfigInput } from '../../src/config/run';
import { getEnvironment } from '../../src/env';
import { EXPORT_FORMATS, exportRun } from '../../src/export';
import { startOrAttach } from '../../src/runtime/startRun';
import type { HarvestProgress } from '../../src/shared/harvestApi';
import { startDevServer, type DevServerHandle } from '../../src/temporal/devServer';
import { provisionTemporalCli } from '../../src/temporal/provision';

export const ROOT = path.resolve(__dirname, '..', '..');
export const JOSH = path.join(ROOT, 'bin', 'josh.js');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A seeded random schedule (mulberry32 over the seed's hash): the same seed, the same moments.
 * `random(lo, hi)` is uniform in [lo, hi). */
export function seededRandom(seed: string): (lo: number, hi: number) => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (lo, hi) => lo + next() * (hi - lo);
}

/** Polls `cond` every 200 ms until it holds; throws `what` after `ms`. */
export async function waitUntil(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The temporal CLI the harness provisioned (or provision it, for a file run on its own). */
export async function temporalCliPath(): Promise<string> {
  return process.env.JOSH_TEST_TEMPORAL_CLI ?? (await provisionTemporalCli({ log: () => undefined })).path;
}

// ---------------------------------------------------------------------------------------------
// `josh worker` as a child process

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  /** OPENAI_BASE_URL of the worker (the simulated model's `<url>/v1`). */
  modelUrl: string;
  runsDir: string;
  dataDir: string;
  /** Output (JSON log lines) of every incarnation is appended here. */
  logFile: string;
  /** Extra environment (JOSH_LLM_TIMEOUT_MS, OPENAI_API_KEY, ...). */
  env?: NodeJS.ProcessEnv;
  /** Extra `josh worker` flags. */
  args?: string[];
  /** Another checkout's `bin/josh.js` (an earlier release of the product); default this one's. */
  bin?: string;
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the worker logs that it polls; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** This incarnation's output so far (the last megabyte or so). */
  output(): string;
}

/** Environment variables of the test process that must not leak into a worker under test. */
const SCRUBBED = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
];

export function spawnWorker(o: WorkerProcessOptions): WorkerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUBBED) delete env[k];
  Object.assign(env, {
    TEMPORAL_ADDRESS: o.address,
    OPENAI_BASE_URL: o.modelUrl,
    JOSH_DATA_DIR: o.dataDir,
    JOSH_LOG_FORMAT: 'json',
    JOSH_LOG_LEVEL: 'info',
    ...o.env,
  });
  const args = [
    o.bin ?? JOSH,
    'worker',
    '--task-queue',
    o.taskQueue,
    '--runs-dir',
    o.runsDir,
    ...(o.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const log = fs.openSync(o.logFile, 'a');
  fs.writeSync(log, `\n# worker pid ${child.pid} started ${new Date().toISOString()}\n`);
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.length > 1_000_000) out = out.slice(-200_000);
      fs.writeSync(log, c);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      fs.closeSync(log);
      resolve({ code, signal });
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (out.includes('worker running')) return resolve();
      if (child.exitCode !== null || child.signalCode !== null) {
        return reject(new Error(`worker exited before it was ready:\n${out.slice(-2000)}`));
      }
      setTimeout(check, 100);
    };
    check();
  });
  ready.catch(() => undefined); // observed by callers that await it
  return { child, pid: child.pid ?? -1, ready, exited, output: () => out };
}

/** SIGKILL (no goodbye: in-flight activities and workflow tasks are simply lost). */
export async function killHard(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await w.exited;
}

// ---------------------------------------------------------------------------------------------
// A private dev server (killable, restartable on the same SQLite file and port)

export interface OwnServer {
  readonly handle: DevServerHandle;
  address: string;
  /** SIGKILL the server process: no shutdown, whatever SQLite has committed is what survives. */
  kill(): Promise<void>;
  /** Start it again on the same port and database file. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A dev server of one's own; `persist` keeps its state in `<dir>/temporal.db` (SQLite, the product's pragmas) so a
 * restart resumes it, otherwise it lives in a temporary file of its own (startDevServer). */
export async function startOwnServer(
  dir: string,
  opts: { persist?: boolean; port?: number } = {},
): Promise<OwnServer> {
  const cliPath = await temporalCliPath();
  const dbFile = opts.persist === false ? undefined : path.join(dir, 'temporal.db');
  const logFile = path.join(dir, 'temporal-server.log');
  const port = opts.port;
  const start = (p: number | undefined) =>
    startDevServer({ cliPath, port: p ?? 0, uiPort: false, dbFile, logFile, readyTimeoutMs: 120_000 });
  let handle = await start(port);
  const fixedPort = handle.port;
  return {
    get handle() {
      return handle;
    },
    address: handle.address,
    async kill() {
      process.kill(handle.pid, 'SIGKILL');
      await handle.exited;
    },
    async restart() {
      handle = await start(fixedPort);
    },
    stop: () => handle.stop(5_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Runs

/** Starts a harvest on `taskQueue` (search attributes and all, as the CLI does). */
export async function startHarvest(
  client: Client,
  input: RunConfigInput,
  taskQueue: string,
): Promise<{ config: RunConfig; handle: WorkflowHandle }> {
  const config = RunConfig.parse(input);
  const { handle } = await startOrAttach(client, config, taskQueue);
  return { config, handle };
}

/** Waits for a harvest's result, riding out a server that is down or restarting meanwhile. */
export async function awaitHarvest(
  address: string,
  namespace: string,
  workflowId: string,
  timeoutMs: number,
): Promise<HarvestProgress> {
  const until = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < until) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      const handle = new Client({ connection, namespace }).workflow.getHandle(workflowId);
      const status = (await handle.describe()).status.name;
      if (status === 'COMPLETED') return (await handle.result()) as HarvestProgress;
      if (status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') throw new Error(`harvest ${status}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('harvest ')) throw err;
      // The client's message alone ("Failed to describe workflow") hides the server's reason.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      lastError = (err instanceof Error ? err.message : String(err)) + cause;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await sleep(1_000);
  }
  throw new Error(`harvest ${workflowId} not finished after ${timeoutMs} ms (${lastError})`);
}

// ---------------------------------------------------------------------------------------------
// Exports and result files

/** Every export format of a run, as the exact bytes `josh export` writes: the default selection
 * and, for the preference formats, `--include-partial` (which reads the unsuccessful trees too). */
export function exportAll(runDir: string, dataDir: string, outDir: string): Map<string, Buffer> {
  fs.mkdirSync(outDir, { recursive: true });
  const environment = (name: string) => getEnvironment(name, dataDir);
  const files = new Map<string, Buffer>();
  for (const format of EXPORT_FORMATS) {
    for (const includePartial of [false, true]) {
      if (includePartial && !['trl-kto', 'trl-dpo', 'openai-dpo'].includes(format)) continue;
      const name = `${format}${includePartial ? '+partial' : ''}.jsonl`;
      const out = path.join(outDir, name);
      exportRun(runDir, format, { environment, out, includePartial });
      files.set(name, fs.readFileSync(out));
    }
  }
  return files;
}

/** A run's result files without what names the run itself (ids, wall-clock times). */
export function comparableResults(runDir: string): Record<string, unknown>[] {
  const dir = path.join(runDir, 'conversations');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
      const { runId: _r, workflowId: _w, startedAt: _s, finishedAt: _f, ...rest } = r;
      return rest;
    });
}

// ---------------------------------------------------------------------------------------------
// Histories

export interface RetryScan {
  workflows: number;
  events: number;
  /** Activities that completed on an attempt after the first, by activity type. */
  retriedActivities: Record<string, number>;
  /** The failures those retries recorded (last failure before the successful attempt). */
  lastFailures: string[];
  activityTimeouts: number;
  workflowTaskTimeouts: number;
  workflowTaskFailures: number;
  /** Workflow tasks scheduled again after an attempt that did not complete (attempt > 1). */
  workflowTaskRetries: number;
  /** When (ms since the epoch, the server's event time) each of those traces was recorded: a
   * retried activity's later attempt, a workflow task timeout, failure or retry. */
  traceTimes: number[];
  /** Activities by the identity of the worker that ran their recorded attempt (`pid@host`). */
  activitiesBy: Record<string, number>;
}

/** Fetches the history of every workflow of a harvest (found by its JoshHarvestId) and counts the
 * traces that failures and retries leave there. */
export async function scanHistories(client: Client, harvestId: string): Promise<RetryScan> {
  const ids: string[] = [harvestId];
  for await (const wf of client.workflow.list({ query: `JoshHarvestId="${harvestId}"` })) {
    if (wf.workflowId !== harvestId) ids.push(wf.workflowId);
  }
  const scan: RetryScan = {
    workflows: 0,
    events: 0,
    retriedActivities: {},
    lastFailures: [],
    activityTimeouts: 0,
    workflowTaskTimeouts: 0,
    workflowTaskFailures: 0,
    workflowTaskRetries: 0,
    traceTimes: [],
    activitiesBy: {},
  };
  const queue = [...new Set(ids)];
  const one = async (id: string): Promise<void> => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<string, string>();
    scan.workflows++;
    for (const e of history.events ?? []) {
      scan.events++;
      const trace = (): void => void scan.traceTimes.push(tsToMs(e.eventTime));
      const eventId = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes) {
        scheduled.set(eventId, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      }
      const started = e.activityTaskStartedEventAttributes;
      if (started?.identity)
        scan.activitiesBy[started.identity] = (scan.activitiesBy[started.identity] ?? 0) + 1;
      if (started && (started.attempt ?? 1) > 1) {
        const type = scheduled.get(String(started.scheduledEventId)) ?? '?';
        scan.retriedActivities[type] = (scan.retriedActivities[type] ?? 0) + 1;
        trace();
        const f = started.lastFailure as temporal.api.failure.v1.IFailure | null | undefined;
        if (f?.message) scan.lastFailures.push(`${type} attempt ${started.attempt}: ${f.message}`);
      }
      if (e.activityTaskTimedOutEventAttributes) scan.activityTimeouts++;
      if (e.workflowTaskTimedOutEventAttributes) {
        scan.workflowTaskTimeouts++;
        trace();
      }
      if (e.workflowTaskFailedEventAttributes) {
        scan.workflowTaskFailures++;
        trace();
      }
      if ((e.workflowTaskScheduledEventAttributes?.attempt ?? 1) > 1) {
        scan.workflowTaskRetries++;
        trace();
      }
    }
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await one(id);
    }),
  );
  return scan;
}
