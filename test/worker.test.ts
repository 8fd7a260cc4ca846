// The worker pair: workflows and main activities on one queue, LLM activities on the other, both
// on one NativeConnection; stopping one stops the other so a process never half-runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWorkers, runWorkers } from '../src/worker';
import * as activities from './fixtures/activities';
import { testClient, testNamespace, testNativeConnection, uniqueTaskQueue } from './helpers/temporal';

const workflowsPath = require.resolve('./fixtures/workflows');

void test('main and LLM queues are served by their own workers, and stop together', async () => {
  const taskQueues = { main: uniqueTaskQueue('main'), llm: uniqueTaskQueue('llm') };
  const { shout, count } = activities;
  const workers = await createWorkers({
    connection: await testNativeConnection(),
    namespace: testNamespace(),
    workflowsPath,
    // Each activity only where it belongs: a call on the wrong queue would time out.
    activities: { main: { shout }, llm: { count } },
    llmConcurrency: 2,
    llmRate: 50,
    shutdownGraceTime: '2s',
    taskQueues,
  });
  const running = runWorkers(workers);
  const client = await testClient();
  const result = await client.workflow.execute('twoQueues', {
    taskQueue: taskQueues.main,
    workflowId: `worker-${randomUUID()}`,
    args: [taskQueues.llm, 'beam'],
  });
  assert.deepEqual(result, { loud: 'BEAM', length: 4 });

  workers.llm.shutdown();
  await running; // resolves only once the main worker has stopped as well
  assert.equal(workers.main.getState(), 'STOPPED');
  assert.equal(workers.llm.getState(), 'STOPPED');
});
