// The body of `josh worker` (commands/worker.ts parses the flags): validate, connect, serve the
// two task queues until a signal stops the workers gracefully.
import * as path from 'node:path';
import type { z } from 'zod';
import { createActivities } from '../activities';
import {
  connectWorker,
  DEFAULT_CONNECT_TIMEOUT_MS,
  describeConnection,
  resolveConnectionConfig,
} from '../config/connection';
import { resolveDataDir } from '../env/dataDir';
import { llmEndpointFromEnv, redactUrl } from '../llm/endpoint';
import { isListening } from '../temporal/ports';
import { installTemporalRuntime } from '../temporal/runtime';
import { notADirectory } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { rootLogger } from '../util/logger';
import { createWorkers, runWorkers } from '../worker';
import { DEFAULT_ENV, environmentsIn, getEnvironment, workerPromptsSource } from '../env';
import { llmQueueFor } from '../shared/taskQueues';
import type { ConnectionOptionFlags } from './connectionOptions';
import type { WorkerFlags } from './commands/worker';

/** A --runs-dir that is a file (or lies under one) would only fail in every run's activities,
 * retried without end; refuse it here. A directory that does not exist yet is made by the runs. */
function checkRunsDir(flagValue: string, runsRoot: string): void {
  const blocker = notADirectory(runsRoot);
  if (!blocker) return;
  const what = blocker === path.resolve(runsRoot) ? 'is a file' : `lies under ${blocker}, a file`;
  throw new UserError(`--runs-dir ${flagValue} ${what}; expected a directory (made if missing)`);
}

/** How long the startup check waits for a model endpoint to accept a connection. */
const MODEL_PROBE_TIMEOUT_MS = 2000;
/** Ports of URLs that name none. */
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * Warns (once per endpoint) when nothing accepts a connection at a model endpoint: otherwise every
 * run retries "connection refused" for minutes before anyone learns why. Only a warning, never a
 * refusal: the model server may well come up after the worker.
 */
async function warnUnreachableModels(
  llm: ReturnType<typeof llmEndpointFromEnv>,
  logger: ReturnType<typeof rootLogger>,
): Promise<void> {
  const endpoints = new Map<string, string>(); // baseURL → what configures it
  endpoints.set(llm.baseURL, llm.simulated ? 'default' : 'OPENAI_BASE_URL');
  for (const m of Object.values(llm.models ?? {}))
    if (!endpoints.has(m.baseURL)) endpoints.set(m.baseURL, llm.modelsFile ?? 'the models file');
  await Promise.all(
    [...endpoints].map(async ([baseURL, source]) => {
      let u: URL;
      try {
        u = new URL(baseURL);
      } catch {
        return;
      }
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(u.port) || DEFAULT_PORTS[u.protocol];
      if (!port || (await isListening(host, port, MODEL_PROBE_TIMEOUT_MS))) return;
      const hint =
        source === 'default'
          ? 'start the simulated model with `josh sim-model`, or set OPENAI_BASE_URL to your model server'
          : `start the model server, or fix the endpoint in ${source}`;
      logger.warn(
        { model: redactUrl(baseURL) },
        `model endpoint ${redactUrl(baseURL)} is unreachable (nothing accepted a connection within ${MODEL_PROBE_TIMEOUT_MS / 1000} s); runs will retry until it is up: ${hint}`,
      );
    }),
  );
}

export async function work(f: z.output<typeof WorkerFlags>, connFlags: ConnectionOptionFlags): Promise<void> {
  // Validate everything cheap before touching the network, so mistakes surface at once.
  const conn = resolveConnectionConfig(connFlags);
  const dataDir = resolveDataDir(f.dataDir);
  const promptsFile = f.prompts ? path.resolve(f.prompts) : undefined;
  // Load every environment whose data the directory holds (and the prompts file) now: a bad file
  // fails here, not in an activity. With none, the default one's loader says what is missing.
  const present = environmentsIn(dataDir);
  for (const name of present.length > 0 ? present : [DEFAULT_ENV])
    getEnvironment(name, dataDir, { promptsFile });
  workerPromptsSource(promptsFile);
  // The models file is read (and its keys looked up in this environment) here, once: a bad file or
  // a missing key variable stops the worker before it connects.
  const llm = llmEndpointFromEnv(process.env, { modelsFile: f.models });
  const runsRoot = path.resolve(f.runsDir);
  checkRunsDir(f.runsDir, runsRoot);
  const logger = rootLogger();
  installTemporalRuntime(logger);

  // The one line says how long this worker tried, measured by itself (what a person waited for
  // the connection, whatever node's start-up cost on a loaded machine).
  const trying = performance.now();
  const connection = await connectWorker(conn, DEFAULT_CONNECT_TIMEOUT_MS).catch((err: unknown) => {
    if (!(err instanceof UserError)) throw err;
    const s = ((performance.now() - trying) / 1000).toFixed(1);
    const timeout = DEFAULT_CONNECT_TIMEOUT_MS / 1000;
    throw new UserError(`${err.message}; gave up after ${s} s (connect timeout ${timeout} s)`, err.exitCode);
  });
  try {
    const workers = await createWorkers({
      connection,
      namespace: conn.namespace,
      workflowsPath: require.resolve('../workflows'),
      activities: createActivities({
        dataDir,
        runsRoot,
        logger,
        llm: { ...llm, maxInFlight: f.llmConcurrency },
        promptsFile,
      }),
      taskQueues: { main: f.taskQueue, llm: llmQueueFor(f.taskQueue) },
      llmConcurrency: f.llmConcurrency,
      llmRate: f.llmRate,
      shutdownGraceTime: f.shutdownGrace * 1000,
      logger,
    });
    logger.info(
      {
        temporal: describeConnection(conn),
        model: redactUrl(llm.baseURL),
        simulatedModel: llm.simulated,
        ...(llm.models
          ? {
              modelsFile: llm.modelsFile,
              models: Object.values(llm.models).map((m) => `${m.name} → ${redactUrl(m.baseURL)}`),
            }
          : {}),
        dataDir,
        runsRoot,
        taskQueue: f.taskQueue,
      },
      'worker running; Ctrl-C stops it gracefully',
    );
    void warnUnreachableModels(llm, logger);
    await runWorkers(workers, logger);
  } finally {
    await connection.close();
  }
}
