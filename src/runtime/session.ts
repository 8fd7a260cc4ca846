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
import { startDevServer } from '../temporal/devServer';
import { freePort, isListening } from '../temporal/ports';
import { installTemporalRuntime } from '../temporal/runtime';
import { createWorkers, runWorkers, type JoshWorkers } from '../worker';
import { createActivities } from '../activities';
import { llmEndpointFromEnv, type LlmEndpointConfig } from '../llm/endpoint';
import { createSimModelServer } from '../simmodel';
import { MAIN_TASK_QUEUE, llmQueueFor } from '../shared/taskQueues';

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
  /** Progress lines for the person at the terminal. */
  say: (line: string) => void;
}

export interface Session {
  client: Client;
  namespace: string;
  uiUrl: string | null;
  embeddedServer: boolean;
  llm: LlmEndpointConfig;
  /** Requests the in-process simulated model served, when it runs here. */
  simStats: (() => unknown) | null;
  close(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  address: string;
  uiUrl: string | null;
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const external = Boolean(opts.connection.address ?? process.env.TEMPORAL_ADDRESS);
    let uiUrl: string | null = null;
    let connFlags = opts.connection;
    if (!external) {
      const server = await embeddedServer(opts);
      closers.push(server.stop);
      connFlags = { ...opts.connection, address: server.address };
      uiUrl = server.uiUrl;
    }
    const conn = resolveConnectionConfig(connFlags);
    const connection: Connection = await connectClient(conn);
    closers.push(() => connection.close());
    const client = new Client({ connection, namespace: conn.namespace });

    let llm = llmEndpointFromEnv();
    let simStats: (() => unknown) | null = null;
    const runWorker = !external || opts.worker === true;
    const taskQueue = opts.taskQueue ?? MAIN_TASK_QUEUE;
    if (runWorker && llm.simulated) {
      const sim = await createSimModelServer({ port: 0, dataDir: opts.dataDir });
      closers.push(() => sim.close());
      llm = { ...llm, baseURL: `${sim.url}/v1` };
      simStats = () => sim.stats();
      opts.say(`no OPENAI_BASE_URL set: using the simulated model at ${sim.url} (offline, seeded)`);
    }
    if (runWorker) {
      installTemporalRuntime(opts.logger);
      const nativeConnection = await connectWorker(conn);
      const workers: JoshWorkers = await createWorkers({
        connection: nativeConnection,
        namespace: conn.namespace,
        workflowsPath: require.resolve('../workflows'),
        activities: createActivities({
          dataDir: opts.dataDir,
          runsRoot: opts.runsRoot,
          logger: opts.logger,
          llm,
          promptsFile: opts.promptsFile,
        }),
        taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
        llmConcurrency: opts.llmConcurrency,
        logger: opts.logger,
        shutdownGraceTime: '5s',
      });
      const running = runWorkers(workers, opts.logger);
      closers.push(async () => {
        for (const w of [workers.main, workers.llm]) if (w.getState() === 'RUNNING') w.shutdown();
        await running.catch(() => undefined);
        await nativeConnection.close();
      });
    }
    return { client, namespace: conn.namespace, uiUrl, embeddedServer: !external, llm, simStats, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Start the embedded dev server for this run directory, or adopt the one an earlier (killed)
 * invocation left running on the same database file. */
async function embeddedServer(
  opts: SessionOptions,
): Promise<{ address: string; uiUrl: string | null; stop: () => Promise<void> }> {
  const dir = path.join(opts.runDir, '.temporal');
  fs.mkdirSync(dir, { recursive: true });
  const recordFile = path.join(dir, 'server.json');
  const previous = readRecord(recordFile);
  if (previous && isAlive(previous.pid)) {
    const [host, port] = previous.address.split(':');
    if (await isListening(host, Number(port))) {
      opts.say(
        `reusing the embedded Temporal server still running from an earlier invocation (pid ${previous.pid})`,
      );
      const stop = async (): Promise<void> => void process.kill(previous.pid, 'SIGTERM');
      return { address: previous.address, uiUrl: previous.uiUrl, stop };
    }
  }
  const cli = await provisionTemporalCli({ log: (l) => opts.say(l) });
  const uiPort = (await isListening('127.0.0.1', 8233)) ? await freePort() : 8233;
  const handle = await startDevServer({
    cliPath: cli.path,
    port: 0,
    uiPort,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'server.log'),
  });
  fs.writeFileSync(
    recordFile,
    JSON.stringify({ pid: handle.pid, address: handle.address, uiUrl: handle.uiUrl }),
  );
  return { address: handle.address, uiUrl: handle.uiUrl, stop: () => handle.stop() };
}

function readRecord(file: string): ServerRecord | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ServerRecord;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
