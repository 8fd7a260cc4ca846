// A complete product stack for tests: the simulated model on a free port (real HTTP), the
// product's two workers on a unique task-queue pair of the suite's shared dev server, and a
// temporary runs root. Used by the harvest, eval and durability tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../src/activities';
import { resolveDataDir } from '../../src/env/dataDir';
import { createSimModelServer } from '../../src/simmodel';
import { createWorkers } from '../../src/worker';
import { llmQueueFor } from '../../src/shared/taskQueues';
import { createLogger } from '../../src/util/logger';
import { RunConfig, type RunConfigInput } from '../../src/config/run';
import type { HarvestProgress } from '../../src/shared/harvestApi';
import { testClient, testNamespace, testNativeConnection, uniqueTaskQueue } from './temporal';

export interface Stack {
  client: Client;
  taskQueue: string;
  runsRoot: string;
  dataDir: string;
  simUrl: string;
  simStats: () => Record<string, unknown>;
  /** Run a harvest/eval workflow to completion on this stack. */
  run(config: RunConfigInput, carry?: Record<string, unknown>): Promise<HarvestProgress>;
}

export async function withStack<T>(
  opts: {
    simOptions?: Record<string, unknown>;
    llmTimeoutMs?: number;
    /** Another model endpoint than the stack's simulated model (e.g. one that refuses every call). */
    llmBaseURL?: string;
  },
  fn: (stack: Stack) => Promise<T>,
): Promise<T> {
  const dataDir = resolveDataDir();
  const sim = await createSimModelServer({ port: 0, dataDir, ...(opts.simOptions ?? {}) });
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-runs-'));
  const taskQueue = uniqueTaskQueue('harvest');
  const logger = createLogger({
    env: { JOSH_LOG_LEVEL: process.env.JOSH_LOG_LEVEL ?? 'warn', JOSH_LOG_FORMAT: 'json' },
  });
  const workers = await createWorkers({
    connection: await testNativeConnection(),
    namespace: testNamespace(),
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({
      dataDir,
      runsRoot,
      logger,
      llm: {
        baseURL: opts.llmBaseURL ?? `${sim.url}/v1`,
        apiKey: 'test-key',
        timeoutMs: opts.llmTimeoutMs ?? 30_000,
        simulated: false,
      },
    }),
    taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
    shutdownGraceTime: '2s',
  });
  const client = await testClient();
  const stack: Stack = {
    client,
    taskQueue,
    runsRoot,
    dataDir,
    simUrl: sim.url,
    simStats: () => sim.stats() as Record<string, unknown>,
    async run(config, carry) {
      const parsed = RunConfig.parse(config);
      return client.workflow.execute('harvestWorkflow', {
        workflowId: parsed.id,
        taskQueue,
        args: carry ? [parsed, carry] : [parsed],
      }) as Promise<HarvestProgress>;
    },
  };
  try {
    return await workers.llm.runUntil(workers.main.runUntil(fn(stack)));
  } finally {
    await sim.close();
  }
}

export function readConversations(runDir: string): Record<string, unknown>[] {
  const dir = path.join(runDir, 'conversations');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>);
}
