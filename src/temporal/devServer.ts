// Starts `temporal server start-dev` as a child process with the product's namespace and search
// attributes, waits until a real client can talk to it, and hands back a handle that stops it.
// Used by `josh server` and by the test harness (one shared server per `npm test`).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../shared/taskQueues';
import { freePort, isListening } from './ports';
import { DEV_SERVER_METRICS_ENV } from './cliMetricsSwitch';
import { mkdirs } from '../util/mkdirs';

export interface DevServerOptions {
  /** Path of the temporal CLI (see provision.ts). */
  cliPath: string;
  ip?: string;
  /** gRPC port; 0 picks a free one. Default 7233. */
  port?: number;
  /** Web UI port (0 picks a free one), or `false` for --headless. Default 8233. */
  uiPort?: number | false;
  /** With `uiPort: 0`: this port when it is free (the Web UI's usual 8233), else a free one. */
  preferUiPort?: number;
  /** SQLite file for persistence. Omitted: a temporary file of its own, removed when the server
   * exits. Never the CLI's in-memory store: the SQLite driver drops a connection that a deadline
   * interrupted, and an in-memory database goes with its last connection, tables and all
   * (deploy/temporal-build/interrupt_test.go). */
  dbFile?: string;
  namespace?: string;
  /** Where the server's own output goes; it never goes to our stdout. */
  logFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the server to accept requests. */
  readyTimeoutMs?: number;
  /** SQLite pragmas of the database file (replace DEV_SERVER_SQLITE_PRAGMAS; the bench compares
   * settings with it). */
  sqlitePragmas?: Readonly<Record<string, string>>;
  /** Extra `temporal server start-dev` arguments (e.g. `--dynamic-config-value k=v`). */
  extraArgs?: string[];
  /** Its own process group, out of reach of a Ctrl-C at the terminal, for an owner that stops it
   * itself on an interrupt (a josh command's embedded server). Otherwise the server stops with
   * the terminal's Ctrl-C, as the bench's and the tests' servers should. */
  ownProcessGroup?: boolean;
}

export interface DevServerHandle {
  /** host:port of the gRPC frontend. */
  address: string;
  port: number;
  uiUrl: string | null;
  namespace: string;
  logFile: string;
  pid: number;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** Leave the server running when this process ends (another process goes on using it). */
  detach(): void;
}

/** The server exited or never answered before it was ready; `reason` is one line, `logTail` the
 * end of its log (what it said about the cause). */
export class DevServerStartError extends Error {
  constructor(
    readonly reason: string,
    readonly logFile: string,
    readonly logTail: string,
  ) {
    super(`${reason}; see ${logFile}:\n${logTail}`);
    this.name = 'DevServerStartError';
  }
}

/** A file operation whose error names the file (a write to a descriptor does not). */
function onFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code && !e.path) {
      e.path = file;
      e.message = `${e.message} (${file})`;
    }
    throw e;
  }
}

/**
 * Dynamic config the product's dev server runs with. The server's history service reads its
 * transfer queue (every activity, workflow task and child workflow it hands to matching) at most
 * 20 times a second by default, so each hand-off waited ~45 ms for the next read: an activity round
 * trip took 100 ms and a child workflow 300 ms however idle the machine. A JOSH step is a chain of
 * such hand-offs; at 1000 reads a second the same round trips take ~15 ms and ~40 ms
 * (docs/benchmark.md). The reads are driven by new tasks, so an idle server does not poll more.
 *
 * The three `…ProcessorUpdateAckInterval`s (seconds; 30 by default) are how often each queue
 * checkpoints its progress and forgets the tasks it has finished. Until then every new range it
 * reads is merged into a slice that still walks all tasks since the last checkpoint: with 1000
 * reads a second that merge (`executableTracker.split`) took 15.8 % of the server's CPU in a
 * 100-task harvest, and the server's cost per model call grew with the run. At 1 s it is 0.7 %,
 * and the server's own counters show no more requests or store writes per model call than before
 * (docs/benchmark.md, issue 17).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.transferProcessorMaxPollRPS': '1000',
  'history.transferProcessorUpdateAckInterval': '1',
  'history.visibilityProcessorUpdateAckInterval': '1',
  'history.timerProcessorUpdateAckInterval': '1',
};

export function dynamicConfigArgs(
  values: Readonly<Record<string, string>> = DEV_SERVER_DYNAMIC_CONFIG,
): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}

/**
 * SQLite pragmas of a dev server with a database file (`josh harvest`'s embedded server, `josh
 * server --db-file`, the chaos test's server-kill case).
 *
 * synchronous=off: SQLite's default, a full fsync per commit, serialises every history write: a
 * harvest writes thousands of events a minute and the store then misses its deadlines (tasks are
 * lost until they time out). A killed server process loses nothing (the OS has the writes); only an
 * OS crash could lose the last commits, which is the dev server's bargain.
 *
 * journal_mode=PERSIST: the rollback journal's default mode (DELETE) creates and deletes the
 * journal file on every commit, a large part of the server's CPU per model call (issue 17); PERSIST
 * keeps the file and invalidates its header instead, just as crash-safe for a killed process (a
 * valid header left by an unfinished commit is rolled back on the next open). Measured back to back
 * (docs/benchmark.md, "The dev server's store"): server CPU per model call ~45 → ~39 ms.
 *
 * WAL mode measured about the same but is no cure: under a harvest's steady readers its
 * checkpoints starve, and the WAL grew to 7 GB in a 30-minute run until the server lost its shard.
 *
 * locking_mode=EXCLUSIVE and cache_size=-65536 (issue 17): the server reaches the file through
 * one connection, shared by all its services, and nothing else may write it while it runs. In the
 * default (NORMAL) locking mode SQLite takes and drops its file locks and re-validates its page
 * cache around every transaction; the default cache is 2 MiB. The two together cut the server's CPU
 * per model call by 2–5 ms in the `child` turn shape (docs/benchmark.md, issue 17, "the dev
 * server's lock and page cache"). The lock goes with the process (a killed server leaves none
 * behind), and a second server pointed at the same file fails to start instead of sharing it.
 */
export const DEV_SERVER_SQLITE_PRAGMAS: Readonly<Record<string, string>> = {
  synchronous: 'off',
  journal_mode: 'PERSIST',
  locking_mode: 'EXCLUSIVE',
  cache_size: '-65536',
};

export function sqlitePragmaArgs(
  values: Readonly<Record<string, string>> = DEV_SERVER_SQLITE_PRAGMAS,
): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--sqlite-pragma', `${key}=${value}`]);
}

export function searchAttributeArgs(): string[] {
  return Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  const ip = opts.ip ?? '127.0.0.1';
  const busy = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    const port = opts.port === 0 ? await freePort(ip) : (opts.port ?? 7233);
    const uiPort =
      opts.uiPort === false
        ? null
        : opts.uiPort === 0
          ? await pickUiPort(ip, opts.preferUiPort, busy)
          : (opts.uiPort ?? 8233);
    try {
      return await startOnce(opts, ip, port, uiPort);
    } catch (err) {
      // A port picked here was free when picked, and another process (another server starting,
      // a test) can bind it before the server does; so can a port the server picks for its own
      // services. Pick again then. A port the caller fixed is the caller's to free: no retry.
      const taken = portTaken(err);
      const fixed = [opts.port === 0 ? null : port, opts.uiPort === 0 ? null : uiPort];
      if (taken === null || fixed.includes(taken) || attempt >= PORT_ATTEMPTS) throw err;
      busy.add(taken);
    }
  }
}

const PORT_ATTEMPTS = 3;

/** `preferred` when it is free (and did not just collide), else any free port. */
async function pickUiPort(ip: string, preferred: number | undefined, busy: Set<number>): Promise<number> {
  if (preferred !== undefined && !busy.has(preferred) && !(await isListening(ip, preferred)))
    return preferred;
  return freePort(ip);
}

/** The port of a start that failed because something else had bound it (from the server's last
 * error, not the whole log tail, which can hold an earlier start's). */
function portTaken(err: unknown): number | null {
  if (!(err instanceof DevServerStartError)) return null;
  const m = /:(\d+): bind: address already in use/.exec(err.reason);
  return m ? Number(m[1]) : null;
}

async function startOnce(
  opts: DevServerOptions,
  ip: string,
  port: number,
  uiPort: number | null,
): Promise<DevServerHandle> {
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', opts.logLevel ?? 'warn');
  args.push(...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]));
  const scratch = opts.dbFile ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'josh-temporal-'));
  const dbFile = opts.dbFile ?? path.join(scratch!, 'temporal.db');
  mkdirs(path.dirname(path.resolve(dbFile)));
  args.push('--db-filename', path.resolve(dbFile));
  args.push(...sqlitePragmaArgs(opts.sqlitePragmas));
  args.push(...searchAttributeArgs());
  args.push(...dynamicConfigArgs());
  args.push(...(opts.extraArgs ?? []));

  mkdirs(path.dirname(path.resolve(opts.logFile)));
  const logFd = onFile(opts.logFile, () => fs.openSync(opts.logFile, 'a'));
  let logStart = 0;
  try {
    onFile(opts.logFile, () =>
      fs.writeSync(logFd, `\n# ${new Date().toISOString()} ${opts.cliPath} ${args.join(' ')}\n`),
    );
    // Where this start's lines begin: the log is appended to, and a failure must quote its own
    // lines, not an earlier start's.
    logStart = fs.fstatSync(logFd).size;
  } catch (err) {
    fs.closeSync(logFd);
    throw err;
  }
  // No metrics endpoint (this project's CLI build; ./cliMetricsSwitch.ts): nobody reads it, and
  // recording the metrics was a sixth of the server's CPU per model call. A user's own
  // JOSH_DEV_SERVER_METRICS (e.g. `on`) or an explicit --metrics-port in extraArgs wins.
  const env = { [DEV_SERVER_METRICS_ENV]: 'off', ...process.env };
  const child = spawn(opts.cliPath, args, {
    stdio: ['ignore', logFd, logFd],
    env,
    detached: opts.ownProcessGroup === true,
  });
  fs.closeSync(logFd); // the child holds its own copy

  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(err.message));
  });
  // The temporary database goes with its server (a detached server keeps it while it runs).
  if (scratch) void exited.then(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const address = `${ip}:${port}`;
  const handle: DevServerHandle = {
    address,
    port,
    uiUrl: uiPort === null ? null : `http://${ip}:${uiPort}`,
    namespace,
    logFile: opts.logFile,
    pid: child.pid ?? -1,
    exited,
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
    detach: () => child.unref(),
  };

  try {
    await waitReady(handle, exited, opts.readyTimeoutMs ?? 60_000, logStart);
  } catch (err) {
    await handle.stop(2_000);
    // The file's lock (locking_mode=EXCLUSIVE) is held by a server that is still running.
    if (opts.dbFile && err instanceof DevServerStartError && /database is locked/.test(err.reason)) {
      throw new DevServerStartError(
        `${err.reason} (another Temporal server is using ${path.resolve(opts.dbFile)}; stop that one first)`,
        err.logFile,
        err.logTail,
      );
    }
    throw err;
  }
  return handle;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls until the frontend answers DescribeNamespace (and the UI serves a page, if enabled). */
async function waitReady(
  h: DevServerHandle,
  exited: Promise<number | string>,
  timeoutMs: number,
  logStart: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: number | string | null = null;
  void exited.then((code) => (died = code));
  let lastError = '';
  while (Date.now() < deadline) {
    if (died !== null) {
      const logTail = tail(h.logFile, 15, logStart);
      const said = lastErrorInLog(logTail);
      throw new DevServerStartError(
        `temporal dev server exited (${died}) before it was ready${said ? `: ${said}` : ''}`,
        h.logFile,
        logTail,
      );
    }
    if (await grpcReady(h, (e) => (lastError = e))) {
      if (!h.uiUrl || (await uiReady(h.uiUrl))) return;
      lastError = `Web UI at ${h.uiUrl} not serving yet`;
    }
    await sleep(250);
  }
  throw new DevServerStartError(
    `temporal dev server not ready after ${timeoutMs} ms (${lastError.split('\n')[0]})`,
    h.logFile,
    tail(h.logFile, 15, logStart),
  );
}

async function grpcReady(h: DevServerHandle, onError: (e: string) => void): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    // Loaded on use: `josh --help` loads this module (josh server) but need not load the client.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
    conn = await Connection.connect({ address: h.address, connectTimeout: 1_000 });
    await conn.workflowService.describeNamespace({ namespace: h.namespace });
    return true;
  } catch (err) {
    onError((err as Error).message);
    return false;
  } finally {
    await conn?.close();
  }
}

async function uiReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The server's last error message in its log (`level=ERROR msg="..."`), on one line. */
function lastErrorInLog(logTail: string): string | null {
  const lines = logTail.split('\n').reverse();
  for (const line of lines) {
    const json = jsonLogError(line);
    if (json) return json.slice(0, 300);
    const m =
      /level=(?:ERROR|FATAL)\s+msg="((?:[^"\\]|\\.)*)"/.exec(line) ?? /^(?:Error|error): (.+)$/.exec(line);
    if (m) return m[1].replace(/\\"/g, '"').slice(0, 300);
  }
  return null;
}

/** The server's JSON log lines: `{"level":"FATAL","message":"listen tcp ...: address already in
 * use"}` (its web frontend's), `{"level":"error","msg":"...","error":"..."}`. */
function jsonLogError(line: string): string | null {
  if (!line.startsWith('{')) return null;
  try {
    const o = JSON.parse(line) as { level?: unknown; msg?: unknown; message?: unknown; error?: unknown };
    if (!/^(error|fatal)$/i.test(String(o.level))) return null;
    const msg = typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : '';
    const error = typeof o.error === 'string' ? o.error : '';
    return [msg, error].filter(Boolean).join(': ') || null;
  } catch {
    return null;
  }
}

/** The last lines of the log written since byte `from` (this start's). */
function tail(file: string, lines = 15, from = 0): string {
  try {
    const text = fs.readFileSync(file).subarray(from).toString('utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
