// A "session" is what a CLI run needs to do work: a Temporal client, and — when no cluster or
// model endpoint is configured — an embedded dev server persisted in the run directory, the
// simulated model on a free port, and an in-process worker. `harvest`, `eval` and `demo` share it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import {
  connectClient,
  connectWorker,
  resolveConnectionConfig,
  type ConnectionFlags,
} from '../config/connection';
import { provisionTemporalCli } from '../temporal/provision';
import { DevServerStartError, startDevServer, type DevServerHandle } from '../temporal/devServer';
import { isListening } from '../temporal/ports';
import { installTemporalRuntime } from '../temporal/runtime';
import { createWorkers, runWorkers, type JoshWorkers } from '../worker';
import { createActivities } from '../activities';
import { llmEndpointFromEnv, type LlmEndpointConfig } from '../llm/endpoint';
import { createSimModelServer } from '../simmodel';
import { loadToolwozDb } from '../env/toolwoz/db';
import { resolveDataDir } from '../env/dataDir';
import { UserError } from '../util/errors';
import { MAIN_TASK_QUEUE, llmQueueFor } from '../shared/taskQueues';
import { mkdirs } from '../util/mkdirs';
import { llmLimitsFromEnv } from '../config/llmLimits';
import { bundleCacheOn } from '../temporal/workflowBundle';

export interface SessionOptions {
  runDir: string;
  runsRoot: string;
  dataDir: string;
  connection: ConnectionFlags;
  logger: pino.Logger;
  /** Run a worker in this process even when connected to an external cluster. */
  worker?: boolean;
  llmConcurrency?: number;
  /** Main task queue of the in-process worker (LLM calls use its -llm twin). */
  taskQueue?: string;
  promptsFile?: string;
  /** A models file (endpoints per model name) for the in-process worker; default JOSH_MODELS_FILE. */
  modelsFile?: string;
  /** Progress lines for the person at the terminal. */
  say: (line: string) => void;
  /** Runs once the client is connected, before the simulated model or a worker starts: a check
   * that may refuse the run (e.g. an id already used with other settings). */
  beforeWorker?: (client: Client) => Promise<void>;
  /** Aborted when the user interrupts: opening stops after the step under way, closes what it
   * opened (the embedded server, the simulated model, the worker) and rejects with
   * SessionInterrupted, so no server outlives an interrupted command. */
  signal?: AbortSignal;
  /** The command's watch shows what its activities retry: the SDK's warning per failed attempt
   * is left to debug (see PinoTemporalLogger). */
  retriesShown?: boolean;
}

export class SessionInterrupted extends Error {
  constructor() {
    super('interrupted while the session was opening');
    this.name = 'SessionInterrupted';
  }
}

export interface Session {
  client: Client;
  namespace: string;
  uiUrl: string | null;
  embeddedServer: boolean;
  llm: LlmEndpointConfig;
  /** Requests the in-process simulated model served, when it runs here. */
  simStats: (() => unknown) | null;
  /** Stops what the session started; a second call waits for the first. */
  close(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  address: string;
  uiUrl: string | null;
}

/** The simulated model builds its dialogue world from the ToolWOZ databases, whatever the run's
 * environment: without them it cannot start, and the run should fail before anything is made,
 * saying what the model needs rather than only which file is missing. (Loaded once per data
 * directory: the model reuses this read.) */
function checkSimModelData(dataDir: string | undefined): void {
  try {
    loadToolwozDb(resolveDataDir(dataDir));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new UserError(
      `the simulated model (no OPENAI_BASE_URL set) needs the ToolWOZ databases for its world: ${err.message}; ` +
        'fetch them with `josh data fetch`, point --data-dir at a copy that has them, or set OPENAI_BASE_URL to a real model',
    );
  }
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  // Every setting is checked before a directory is made or a server started: a bad variable must
  // not leave a `runs/<id>/.temporal` behind.
  const external = Boolean(opts.connection.address ?? process.env.TEMPORAL_ADDRESS);
  const settings = resolveConnectionConfig(opts.connection);
  const runWorker = !external || opts.worker === true;
  // The models file (and its keys) matters only to a worker in this process: a CLI that runs none
  // must not fail on key variables only the workers' machines hold.
  let llm = runWorker
    ? llmEndpointFromEnv(process.env, { modelsFile: opts.modelsFile })
    : llmEndpointFromEnv({ ...process.env, JOSH_MODELS_FILE: '' });
  const limits = runWorker ? llmLimitsFromEnv(process.env) : {};
  if (runWorker) bundleCacheOn(process.env);
  const llmConcurrency = opts.llmConcurrency ?? limits.llmConcurrency;
  if (runWorker && !llm.simulated) await checkModelEndpoint(llm.baseURL, opts.say);
  if (runWorker && llm.simulated) checkSimModelData(opts.dataDir);
  const closers: (() => Promise<void>)[] = [];
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const c of closers.reverse()) await c().catch(() => undefined);
    })());
  const stillWanted = (): void => {
    if (opts.signal?.aborted) throw new SessionInterrupted();
  };
  try {
    stillWanted();
    let uiUrl: string | null = null;
    let conn = settings;
    if (!external) {
      const server = await embeddedServer(opts);
      closers.push(server.stop);
      stillWanted();
      conn = resolveConnectionConfig({ ...opts.connection, address: server.address });
      uiUrl = server.uiUrl;
    }
    const connection: Connection = await connectClient(conn);
    closers.push(() => connection.close());
    stillWanted();
    const client = new Client({ connection, namespace: conn.namespace });
    await opts.beforeWorker?.(client);
    stillWanted();

    let simStats: (() => unknown) | null = null;
    const taskQueue = opts.taskQueue ?? MAIN_TASK_QUEUE;
    if (runWorker && llm.simulated) {
      // Its uploaded files and fine-tuning jobs persist beside the runs, so a model fine-tuned by
      // one command (josh train) is there for the next (josh eval --agent-model ft:...).
      const sim = await createSimModelServer({
        port: 0,
        dataDir: opts.dataDir,
        stateDir: path.join(opts.runsRoot, '.sim-model'),
      });
      closers.push(() => sim.close());
      stillWanted();
      llm = { ...llm, baseURL: `${sim.url}/v1` };
      simStats = () => sim.stats();
      opts.say(`no OPENAI_BASE_URL set: using the simulated model at ${sim.url} (offline, seeded)`);
    }
    if (runWorker) {
      installTemporalRuntime(opts.logger, { retriesShownElsewhere: opts.retriesShown === true });
      const nativeConnection = await connectWorker(conn);
      closers.push(() => nativeConnection.close());
      stillWanted();
      const workers: JoshWorkers = await createWorkers({
        connection: nativeConnection,
        namespace: conn.namespace,
        workflowsPath: require.resolve('../workflows'),
        activities: createActivities({
          dataDir: opts.dataDir,
          runsRoot: opts.runsRoot,
          logger: opts.logger,
          llm: { ...llm, maxInFlight: llmConcurrency },
          promptsFile: opts.promptsFile,
        }),
        taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
        llmConcurrency,
        llmRate: limits.llmRate,
        logger: opts.logger,
        shutdownGraceTime: '5s',
      });
      const running = runWorkers(workers, opts.logger);
      closers.push(async () => {
        for (const w of [workers.main, workers.llm]) if (w.getState() === 'RUNNING') w.shutdown();
        await running.catch(() => undefined);
      });
      stillWanted();
    }
    return { client, namespace: conn.namespace, uiUrl, embeddedServer: !external, llm, simStats, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The model endpoint answers HTTP at all (any status will do: a 401 or 404 is a live server); a
 * refused connection or a host that does not resolve is refused before the run starts, naming
 * host:port only (the URL may carry credentials). */
export async function checkModelEndpoint(
  baseURL: string,
  say: (line: string) => void,
  timeoutMs = 5_000,
): Promise<void> {
  const url = new URL(baseURL);
  // `localhost:8000/v1` parses as a URL of scheme "localhost:": say what is wrong instead of
  // retrying a request that can never be made (the value itself may hold credentials).
  if (!/^https?:$/.test(url.protocol) || url.hostname === '') {
    throw new UserError(
      `environment: OPENAI_BASE_URL must be an http(s) URL with a host, e.g. http://localhost:8000/v1 (got scheme "${url.protocol}")`,
    );
  }
  const where = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  url.username = '';
  url.password = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/models`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
  } catch (err) {
    const code = errorCode(err);
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host name does not resolve'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'no route to host'
            : null;
    if (why) throw new UserError(`cannot reach the model endpoint at ${where}: ${why} (OPENAI_BASE_URL)`);
    // fetch (and so the model client) refuses some ports outright (6000, 1, ...).
    if (/bad port/i.test(String((err as { cause?: Error }).cause?.message))) {
      throw new UserError(
        `cannot use the model endpoint at ${where}: HTTP clients refuse port ${url.port} (a "bad port"); serve the model on another port`,
      );
    }
    // Slow or odd, but maybe alive: the run's own calls will say more.
    say(`warning: the model endpoint at ${where} did not answer a test request (${code ?? 'no answer'})`);
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (e.name === 'TimeoutError') return 'no answer within 5 s';
  }
  return undefined;
}

interface EmbeddedServer {
  address: string;
  uiUrl: string | null;
  stop: () => Promise<void>;
}

/** Start the embedded dev server for this run directory, or adopt the one another invocation of
 * the same run (running now, or killed earlier) has on the same database file. Starting is done
 * under an exclusive lock file, so two invocations never open one database with two servers; each
 * invocation registers itself as a user, and the last one to leave stops the server. */
async function embeddedServer(opts: SessionOptions): Promise<EmbeddedServer> {
  const dir = path.join(opts.runDir, '.temporal');
  onDisk(dir, () => mkdirs(path.join(dir, 'users')));
  const recordFile = path.join(dir, 'server.json');
  const lockFile = path.join(dir, 'server.lock');
  const userFile = path.join(dir, 'users', String(process.pid));
  const release = await acquireLock(lockFile, opts.say);
  let server: EmbeddedServer & { leave: () => void };
  try {
    onDisk(userFile, () => fs.writeFileSync(userFile, ''));
    server = (await adopt(recordFile, opts.say)) ?? (await startServer(dir, recordFile, opts.say));
  } catch (err) {
    fs.rmSync(userFile, { force: true });
    throw err;
  } finally {
    release();
  }
  const stop = async (): Promise<void> => {
    const unlock = await acquireLock(lockFile, () => undefined);
    try {
      fs.rmSync(userFile, { force: true });
      if (otherUsers(dir).length > 0) server.leave();
      else await server.stop();
    } finally {
      unlock();
    }
  };
  return { address: server.address, uiUrl: server.uiUrl, stop };
}

async function adopt(
  recordFile: string,
  say: (line: string) => void,
): Promise<(EmbeddedServer & { leave: () => void }) | null> {
  const previous = readRecord(recordFile);
  if (!previous || !isAlive(previous.pid)) return null;
  const [host, port] = previous.address.split(':');
  if (!(await isListening(host, Number(port)))) return null;
  say(`using the embedded Temporal server of this run already running (pid ${previous.pid})`);
  return {
    address: previous.address,
    uiUrl: previous.uiUrl,
    stop: async () => void process.kill(previous.pid, 'SIGTERM'),
    leave: () => undefined,
  };
}

async function startServer(
  dir: string,
  recordFile: string,
  say: (line: string) => void,
): Promise<EmbeddedServer & { leave: () => void }> {
  const cli = await provisionTemporalCli({ log: say });
  const logFile = path.join(dir, 'server.log');
  let handle: DevServerHandle;
  try {
    handle = await startDevServer({
      cliPath: cli.path,
      port: 0,
      // The usual Web UI address when no other server has it (a second run's server takes another).
      uiPort: 0,
      preferUiPort: 8233,
      dbFile: path.join(dir, 'temporal.db'),
      logFile,
      // A Ctrl-C at the terminal signals the whole foreground group: the server died with it at
      // once, before the command could stop its worker, which then spent ~15 s retrying a dead
      // server and printed its warnings. The command's interrupt stops the server itself, last.
      ownProcessGroup: true,
    });
  } catch (err) {
    if (err instanceof DevServerStartError) {
      const full = /no space left|disk is full|database or disk is full/i.test(err.logTail);
      throw new UserError(
        full
          ? `disk full at ${dir}: the embedded Temporal server cannot write its database (see ${logFile})`
          : `the embedded Temporal server did not start: ${err.reason} (see ${logFile})`,
      );
    }
    throw diskError(err, logFile);
  }
  const record: ServerRecord = { pid: handle.pid, address: handle.address, uiUrl: handle.uiUrl };
  try {
    onDisk(recordFile, () => fs.writeFileSync(recordFile, JSON.stringify(record)));
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return {
    address: handle.address,
    uiUrl: handle.uiUrl,
    stop: () => handle.stop(),
    leave: () => handle.detach(),
  };
}

/** Pids of the other live invocations using this run's embedded server. */
function otherUsers(dir: string): number[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(path.join(dir, 'users'));
  } catch {
    return [];
  }
  return names
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      if (isAlive(pid)) return true;
      fs.rmSync(path.join(dir, 'users', String(pid)), { force: true });
      return false;
    });
}

/** An exclusive lock: the file is created only if absent (O_EXCL) and holds our pid. A lock whose
 * pid is dead (a killed invocation) is stale and taken over. Resolves with the release function. */
async function acquireLock(file: string, say: (line: string) => void): Promise<() => void> {
  let told = false;
  for (;;) {
    let fd: number | null = null;
    try {
      fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw diskError(err, file);
    }
    if (fd !== null) {
      try {
        fs.writeSync(fd, String(process.pid));
      } catch (err) {
        fs.closeSync(fd);
        fs.rmSync(file, { force: true });
        throw diskError(err, file);
      }
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    }
    const holder = lockHolder(file);
    if (holder === 'stale') {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!told && holder !== null) {
      say(`waiting for pid ${holder}, which is starting this run's embedded Temporal server`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pid holding a lock; 'stale' when it is dead (or the file was left empty long ago). */
function lockHolder(file: string): number | 'stale' | null {
  let text: string;
  let age: number;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
    age = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return null; // released meanwhile
  }
  const pid = Number(text);
  if (!/^\d+$/.test(text)) return age > 10_000 ? 'stale' : null; // being written
  return isAlive(pid) ? pid : 'stale';
}

/** Runs a file operation, turning a full disk (or a read-only or forbidden place) into one line. */
function onDisk<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw diskError(err, where);
  }
}

function diskError(err: unknown, where: string): unknown {
  const e = err as NodeJS.ErrnoException;
  const at = e.path ?? where;
  switch (e.code) {
    case 'ENOSPC':
      return new UserError(`disk full at ${at}: cannot start the embedded Temporal server`);
    case 'EDQUOT':
      return new UserError(`disk quota exceeded at ${at}: cannot start the embedded Temporal server`);
    case 'EROFS':
      return new UserError(`${at} is on a read-only file system: cannot start the embedded Temporal server`);
    case 'EACCES':
    case 'EPERM':
      return new UserError(`no permission to write ${at}: cannot start the embedded Temporal server`);
    case 'ENOTDIR':
    case 'EEXIST':
      return new UserError(`${at}: a file is in the way of the run directory`);
    default:
      return err;
  }
}

function readRecord(file: string): ServerRecord | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ServerRecord;
  } catch {
    return null;
  }
}

/** Unlike processAlive (src/util/process.ts), a pid we may not signal counts as gone: the
 * recorded server ran as this user, so that pid is another user's process now. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
