// Access to the suite's shared Temporal dev server (started by scripts/run-tests.ts), and a way to
// run a Worker for exactly the duration of a test. Connections opened here are closed after the
// file's tests, so test processes exit on their own.
import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  Worker,
  type ReplayHistoriesIterable,
  type WorkerOptions,
} from '@temporalio/worker';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { workflowBundle } from '../../src/temporal/workflowBundle';
import { createLogger } from '../../src/util/logger';

export function testAddress(): string {
  const address = process.env.JOSH_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error('JOSH_TEST_TEMPORAL_ADDRESS is not set: run tests with `npm test [-- file.test.ts]`');
  }
  return address;
}

export const testNamespace = (): string => process.env.JOSH_TEST_TEMPORAL_NAMESPACE ?? 'default';

/** A task queue no other test uses, so workers of parallel tests never steal each other's tasks. */
export const uniqueTaskQueue = (prefix = 'test'): string => `${prefix}-${randomUUID()}`;

let client: Promise<Client> | undefined;
let native: Promise<NativeConnection> | undefined;

// Registered when this module loads, i.e. at file level: an `after` first called inside a test
// would belong to that test and close the connections before the file's later tests.
after(async () => {
  const [c, n] = [client, native];
  client = native = undefined;
  await (await c)?.connection.close();
  await (await n)?.close();
});

export function testClient(): Promise<Client> {
  client ??= Connection.connect({ address: testAddress() }).then(
    (connection) => new Client({ connection, namespace: testNamespace() }),
  );
  return client;
}

export function testNativeConnection(): Promise<NativeConnection> {
  // Worker state changes at INFO would drown the test output; JOSH_LOG_LEVEL=debug brings them back.
  const level = process.env.JOSH_LOG_LEVEL ?? 'warn';
  installTemporalRuntime(createLogger({ env: { JOSH_LOG_LEVEL: level, JOSH_LOG_FORMAT: 'json' } }), {
    shutdownSignals: [], // let the test runner's SIGTERM end a stuck test process
  });
  native ??= NativeConnection.connect({ address: testAddress() });
  return native;
}

type TestWorkerOptions = Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue'> & {
  taskQueue?: string;
};

/** Runs a Worker while `fn` runs (worker.runUntil), handing `fn` the worker's task queue. */
export async function withWorker<T>(
  opts: TestWorkerOptions,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue();
  const worker = await Worker.create({
    ...opts,
    connection: await testNativeConnection(),
    namespace: testNamespace(),
    taskQueue,
  });
  return worker.runUntil(fn(taskQueue));
}

/** Replays histories on the workflow bundle the product's workers run (src/temporal/workflowBundle.ts:
 * its preloaded modules, from the cache), so a replay test checks the workflow code as it runs. */
export async function* replayProductWorkflows(histories: ReplayHistoriesIterable, replayName: string) {
  const bundle = await workflowBundle(require.resolve('../../src/workflows'));
  yield* Worker.runReplayHistories({ workflowBundle: bundle, replayName }, histories);
}
