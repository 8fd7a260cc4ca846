// Run control through the typed client API, as another service would use it, against the real
// dev server: pause (progress stops), retune the concurrency window, resume, complete; cancel
// (conversations stop, what finished stays and exports validly, the manifest says cancelled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  connect,
  InvalidConfigError,
  RunControlError,
  RunNotFoundError,
  type HarvestProgress,
  type JoshClient,
} from '../src';
import { getEnvironment } from '../src/env';
import { EXPORT_FORMATS, exportRun } from '../src/export';
import { pollUntil } from './helpers/cli';
import { readConversations, withStack, type Stack } from './helpers/harvest';
import { testAddress, testNamespace } from './helpers/temporal';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Small and quick, but each conversation takes a couple of seconds (model latency), so a
 * pause or a cancel lands while some have not started. */
const SMALL = { split: 'val', beamSize: 2, maxSteps: 4, userSim: 'script' } as const;
const SIM = { simOptions: { latencyMs: 150 } };

async function withJosh<T>(stack: Stack, fn: (josh: JoshClient) => Promise<T>): Promise<T> {
  const josh = await connect({
    address: testAddress(),
    namespace: testNamespace(),
    taskQueue: stack.taskQueue,
  });
  try {
    return await fn(josh);
  } finally {
    await josh.close();
  }
}

test('a service starts a harvest, pauses it (progress stops), retunes concurrency, resumes, and sees it complete', async () => {
  await withStack(SIM, (stack) =>
    withJosh(stack, async (josh) => {
      const id = `t-control-${Date.now()}`;
      const started = await josh.startHarvest({ id, ...SMALL, limit: 5, concurrency: 1 });
      assert.equal(started.outcome, 'started');
      assert.equal(started.config.beamSize, 2);
      assert.equal((await josh.startHarvest({ id, ...SMALL, limit: 5, concurrency: 1 })).outcome, 'attached');

      await pollUntil(
        'a conversation to run',
        () => josh.getProgress(id),
        (p) => p.running >= 1,
      );
      await josh.pause(id);
      await josh.pause(id); // idempotent
      const paused = await pollUntil(
        'the running conversation to finish',
        () => josh.getProgress(id),
        (p) => p.running === 0,
      );
      assert.equal(paused.status, 'paused');
      assert.ok(paused.done < paused.total, `paused after ${paused.done}/${paused.total}`);
      await sleep(3000);
      const still = await josh.getProgress(id);
      assert.equal(still.done, paused.done, 'no conversation finished while paused');
      assert.equal(still.running, 0, 'no conversation started while paused');
      await pollUntil(
        'visibility to list it as paused',
        () => josh.listRuns({ status: 'paused' }),
        (runs) => runs.some((r) => r.id === id),
      );

      // The window is an update: a bad value is refused to the caller, a good one applies.
      await assert.rejects(josh.setConcurrency(id, 0), RunControlError);
      await assert.rejects(josh.setConcurrency(id, 2.5), /whole number from 1 to 1000/);
      assert.deepEqual(await josh.setConcurrency(id, 3), { previous: 1, concurrency: 3 });
      assert.equal((await josh.getProgress(id)).concurrency, 3);

      await josh.resume(id);
      let maxRunning = 0;
      const watching = (async () => {
        for (;;) {
          const p: HarvestProgress = await josh.getProgress(id);
          maxRunning = Math.max(maxRunning, p.running);
          if (p.status !== 'running' && p.status !== 'paused') return;
          await sleep(150);
        }
      })();
      const final = await josh.waitForResult(id);
      await watching;
      assert.equal(final.status, 'done');
      assert.equal(final.done, final.total);
      assert.equal(final.failed, 0);
      assert.equal(final.concurrency, 3);
      if (final.total - paused.done >= 2) assert.ok(maxRunning >= 2, `at most ${maxRunning} ran at once`);

      const manifest = JSON.parse(fs.readFileSync(path.join(final.runDir, 'harvest.json'), 'utf8'));
      assert.equal(manifest.status, 'done');
      assert.equal(readConversations(final.runDir).length, final.total);
      const run = await josh.getRun(id);
      assert.equal(run.status, 'done');
      assert.equal(run.config?.limit, 5);
      assert.equal(run.progress?.done, final.total);
      await assert.rejects(josh.pause(id), RunNotFoundError, 'a finished run cannot be paused');
    }),
  );
});

test('a cancelled harvest stops its conversations, keeps what finished, says so, and exports validly', async () => {
  await withStack(SIM, (stack) =>
    withJosh(stack, async (josh) => {
      const id = `t-cancel-${Date.now()}`;
      await josh.startHarvest({ id, ...SMALL, limit: 6, concurrency: 2 });
      await pollUntil(
        'a first finished conversation',
        () => josh.getProgress(id),
        (p) => p.done >= 1,
      );
      await josh.cancel(id);

      const final = await josh.waitForResult(id);
      assert.equal(final.status, 'cancelled');
      assert.ok(final.done >= 1 && final.done < final.total, `cancelled after ${final.done}/${final.total}`);
      assert.equal(final.failed, 0, 'stopped conversations are not failures');
      assert.equal(final.running, 0);
      assert.equal((await stack.client.workflow.getHandle(id).describe()).status.name, 'CANCELLED');
      assert.deepEqual(await josh.getProgress(id), final);

      const manifest = JSON.parse(fs.readFileSync(path.join(final.runDir, 'harvest.json'), 'utf8'));
      assert.equal(manifest.status, 'cancelled');
      assert.equal(manifest.summary.done, final.done);
      const files = readConversations(final.runDir);
      assert.equal(files.length, final.done, 'exactly the finished conversations are on disk');

      // Nothing of the run keeps going.
      await pollUntil(
        'its conversations to stop',
        async () => {
          const running: string[] = [];
          const q = `JoshHarvestId = "${id}" AND ExecutionStatus = "Running"`;
          for await (const wf of stack.client.workflow.list({ query: q })) running.push(wf.workflowId);
          return running;
        },
        (running) => running.length === 0,
        { timeoutMs: 30_000 },
      );
      await pollUntil(
        'visibility to list it as cancelled',
        () => josh.listRuns({ status: 'cancelled' }),
        (runs) => runs.some((r) => r.id === id),
      );
      await assert.rejects(josh.resume(id), RunNotFoundError);

      for (const format of EXPORT_FORMATS) {
        const summary = exportRun(final.runDir, format, {
          environment: (name) => getEnvironment(name, stack.dataDir),
        });
        assert.equal(summary.conversations.read, final.done, format);
        const lines = fs.readFileSync(summary.out, 'utf8').split('\n').filter(Boolean);
        assert.equal(lines.length, summary.examples, format);
        for (const line of lines) assert.equal(typeof JSON.parse(line), 'object');
      }
    }),
  );
});

test('startEval runs an evaluation (one rollout per task) that lists as an eval', async () => {
  await withStack({}, (stack) =>
    withJosh(stack, async (josh) => {
      const id = `t-eval-${Date.now()}`;
      const started = await josh.startEval({ id, split: 'val', limit: 1, maxSteps: 3, userSim: 'script' });
      assert.equal(started.config.mode, 'eval');
      const final = await josh.waitForResult(id);
      assert.equal(final.mode, 'eval');
      assert.equal(final.status, 'done');
      assert.equal(final.done, 1);
      const runs = await pollUntil(
        'the eval in the run list',
        () => josh.listRuns({ kind: 'eval', status: 'done' }),
        (list) => list.some((r) => r.id === id),
      );
      assert.equal(runs.find((r) => r.id === id)?.kind, 'eval');
      assert.ok((await josh.listRuns({ kind: 'harvest' })).every((r) => r.kind === 'harvest'));
      await assert.rejects(josh.startHarvest({ id: `${id}-x`, mode: 'eval' }), InvalidConfigError);
    }),
  );
});
