// Cancellation is not an agent error, and an infrastructure failure is not a pruned branch (issue
// 12, item 4). Only a model's own non-retryable failure ends a leaf; a cancel cancels the agent
// turn (and the conversation, which then writes no result), and a tool activity out of retries or
// a bad run input fails the conversation where a person sees it.
import { after, test } from 'node:test';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { createActivities } from '../src/activities';
import { RunConfig, type RunConfigInput } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { createSimModelServer } from '../src/simmodel';
import { llmQueueFor } from '../src/shared/taskQueues';
import { createLogger } from '../src/util/logger';
import { createWorkers } from '../src/worker';
import { waitUntil } from './helpers/chaos';
import { testClient, testNamespace, testNativeConnection, uniqueTaskQueue } from './helpers/temporal';

const dataDir = resolveDataDir();

/** The product's workers on a private queue pair; the model is the simulated one unless
 * `llmBaseURL` names another endpoint. */
async function withProduct<T>(
  opts: { latencyMs?: number; llmBaseURL?: string },
  fn: (ctx: { taskQueue: string; runsRoot: string }) => Promise<T>,
): Promise<T> {
  const sim = await createSimModelServer({ port: 0, dataDir, latencyMs: opts.latencyMs ?? 0 });
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-cancel-'));
  const taskQueue = uniqueTaskQueue('cancel');
  const logger = createLogger({ env: { JOSH_LOG_LEVEL: 'warn', JOSH_LOG_FORMAT: 'json' } });
  const activities = createActivities({
    dataDir,
    runsRoot,
    logger,
    llm: {
      baseURL: opts.llmBaseURL ?? `${sim.url}/v1`,
      apiKey: 'test-key',
      timeoutMs: 30_000,
      simulated: false,
    },
  });
  const workers = await createWorkers({
    connection: await testNativeConnection(),
    namespace: testNamespace(),
    workflowsPath: require.resolve('../src/workflows'),
    activities,
    taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
    shutdownGraceTime: '1s',
  });
  try {
    return await workers.llm.runUntil(workers.main.runUntil(fn({ taskQueue, runsRoot })));
  } finally {
    await sim.close();
  }
}

const ONE_TASK: Omit<RunConfigInput, 'id'> = {
  split: 'val',
  limit: 1,
  beamSize: 2,
  maxSteps: 4,
  userSim: 'script',
  concurrency: 1,
};

test('a conversation cancelled while an agent turn waits on the model: the turn is cancelled, not an agent error, and no result is written', async () => {
  await withProduct({ latencyMs: 60_000 }, async ({ taskQueue, runsRoot }) => {
    const client = await testClient();
    const config = RunConfig.parse({ ...ONE_TASK, id: `cancel-turn-${Date.now()}` });
    const harvest = await client.workflow.start('harvestWorkflow', {
      workflowId: config.id,
      taskQueue,
      args: [config],
    });
    // The first agent turn is a child workflow with a model call on the wire (the model takes a
    // minute to answer): find it.
    let turnId = '';
    await waitUntil(
      'an agent turn waiting on the model',
      async () => {
        for await (const w of client.workflow.list({
          query: `JoshHarvestId = "${config.id}" AND JoshKind = "turn" AND ExecutionStatus = "Running"`,
        })) {
          const d = await client.workflow.getHandle(w.workflowId).describe();
          if ((d.raw.pendingActivities ?? []).length > 0) turnId = w.workflowId;
        }
        return turnId !== '';
      },
      60_000,
    );
    const conversationId = turnId.replace(/\/s\d+\/n\d+$/, '');
    await client.workflow.getHandle(conversationId).cancel();
    await waitUntil(
      'the conversation to close',
      async () => (await client.workflow.getHandle(conversationId).describe()).status.name !== 'RUNNING',
      60_000,
    );
    assert.equal((await client.workflow.getHandle(conversationId).describe()).status.name, 'CANCELLED');
    // Before: the turn caught its cancelled model call, recorded it as the leaf's error and
    // completed, and the search went on with a branch "pruned" by a cancel.
    assert.equal((await client.workflow.getHandle(turnId).describe()).status.name, 'CANCELLED');
    const conversations = path.join(runsRoot, config.id, 'conversations');
    const files = fs.existsSync(conversations) ? fs.readdirSync(conversations) : [];
    assert.deepEqual(files, [], 'a cancelled conversation wrote a result');
    await harvest.cancel();
  });
});

test('a tool call that fails for good fails its conversation visibly, instead of pruning a branch', async () => {
  // The environment's tool backend fails with a non-retryable error inside the agent turn (its
  // tools run in the turn's activity): the turn fails, and so does its conversation.
  const env = getEnvironment('toolwoz', dataDir);
  const original = env.executeCall.bind(env);
  env.executeCall = () => {
    throw ApplicationFailure.create({
      message: 'tool backend down (test)',
      type: 'ToolBackendDown',
      nonRetryable: true,
    });
  };
  after(() => {
    env.executeCall = original;
  });
  await withProduct({}, async ({ taskQueue, runsRoot }) => {
    const client = await testClient();
    const config = RunConfig.parse({ ...ONE_TASK, id: `tool-down-${Date.now()}` });
    const run = client.workflow.execute('harvestWorkflow', {
      workflowId: config.id,
      taskQueue,
      args: [config],
    });
    // Its only conversation failed, so the run failed: nothing was harvested.
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.match(String((err.cause as Error).message), /every conversation failed.*tool backend down/);
      return true;
    });
    let conversation = '';
    for await (const w of client.workflow.list({
      query: `JoshHarvestId = "${config.id}" AND JoshKind = "conversation"`,
    })) {
      conversation = w.workflowId;
      assert.equal(w.status.name, 'FAILED', `${w.workflowId} is ${w.status.name}`);
    }
    assert.ok(conversation, 'the conversation workflow is listed');
    const manifest = JSON.parse(fs.readFileSync(path.join(runsRoot, config.id, 'harvest.json'), 'utf8')) as {
      status: string;
    };
    assert.equal(manifest.status, 'failed');
    assert.ok(!fs.existsSync(path.join(runsRoot, config.id, 'conversations')), 'no result was written');
  });
});

test("a model's own non-retryable failure still ends only its leaf: the conversation completes", async () => {
  // An endpoint that answers every request with OpenAI's 400: the model refuses, for good.
  const refusing = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'this model refuses (test)', type: 'invalid_request_error' } }),
      );
    });
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  after(() => refusing.close());
  const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1`;
  await withProduct({ llmBaseURL: url }, async ({ taskQueue, runsRoot }) => {
    const client = await testClient();
    const config = RunConfig.parse({ ...ONE_TASK, id: `model-refuses-${Date.now()}` });
    const progress = (await client.workflow.execute('harvestWorkflow', {
      workflowId: config.id,
      taskQueue,
      args: [config],
    })) as { done: number; failed: number; succeeded: number };
    assert.deepEqual([progress.done, progress.failed, progress.succeeded], [1, 0, 0]);
    const dir = path.join(runsRoot, config.id, 'conversations');
    const [file] = fs.readdirSync(dir);
    const result = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      stopReason: string;
      tree: { endReason?: string; turns: { error?: string }[] }[];
    };
    assert.equal(result.stopReason, 'all-ended');
    const errored = result.tree.filter((n) => n.endReason === 'agent-error');
    assert.ok(errored.length > 0, 'the leaves ended as agent errors');
    assert.ok(
      errored.every((n) => n.turns.some((t) => /this model refuses/.test(t.error ?? ''))),
      'each records the model error',
    );
  });
});
