// `josh loop` end to end on ToolWOZ, offline: the simulated model plays agent and user and serves
// the fine-tuning API. A 2-round campaign (harvest on val tasks, eval on test tasks) runs every
// step as a child workflow and reports each round; the same id again is the finished campaign; a
// campaign stopped in round 2 and restarted under its id reuses round 0 and 1 without redoing
// them (no result file rewritten, no second fine-tuning job).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import type { Client } from '@temporalio/client';
import { WORKFLOW_ID_METADATA } from '../src/activities/finetune';
import { getLoopProgress, getTrainProgress, startLoop, waitForWorkflow } from '../src/client/training';
import { RunConflictError } from '../src/client/errors';
import type { LoopConfigInput } from '../src/train/config';
import { FINAL_LOOP_MEMO, type LoopProgress } from '../src/train/loopApi';
import { withStack } from './helpers/harvest';
import { waitUntil } from './helpers/chaos';
import { callsInResults } from './helpers/resultCalls';

const SETTINGS: Omit<LoopConfigInput, 'id'> = {
  env: 'toolwoz',
  trainSplit: 'val',
  testSplit: 'test',
  trainLimit: 4,
  testLimit: 4,
  rounds: 2,
  // Both rounds run whatever the first one shows: the test is about the machinery.
  minImprovement: -1,
  beamSize: 4,
  branching: 2,
  concurrency: 4,
  pollSeconds: 0.3,
};

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

async function jobsOf(simUrl: string, trainId: string) {
  const api = new OpenAI({ baseURL: `${simUrl}/v1`, apiKey: 'test-key' });
  const out = [];
  for await (const j of api.fineTuning.jobs.list({ limit: 100 })) {
    if (j.metadata?.[WORKFLOW_ID_METADATA] === trainId) out.push(j);
  }
  return out;
}

const resultStats = (runDir: string): Map<string, number> => {
  const dir = path.join(runDir, 'conversations');
  return new Map(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, fs.statSync(path.join(dir, f)).mtimeMs]),
  );
};

async function childKinds(client: Client, loopId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({
    query: `JoshHarvestId STARTS_WITH "${loopId}-r" AND JoshKind IN ("harvest", "eval", "train")`,
  }))
    ids.push(wf.workflowId);
  return ids.sort();
}

test(
  'a 2-round campaign on ToolWOZ end to end, then restarted mid-way under its id',
  { timeout: 600_000 },
  async () => {
    await withStack({ simOptions: { fineTuneSecondsPerPhase: 0.3 } }, async (stack) => {
      const id = `loop-e2e-${Date.now()}`;
      const started = await startLoop(stack.client, { ...SETTINGS, id, seed: 'loop-test' }, stack.taskQueue);
      assert.equal(started.outcome, 'started');
      const p = await waitForWorkflow<LoopProgress>(stack.client, id, FINAL_LOOP_MEMO);
      assert.equal(p.status, 'done', p.stopReason ?? '');
      assert.equal(p.completed.length, 2);
      assert.ok(p.base && p.base.conversations === 4);
      for (const r of p.completed) {
        assert.equal(r.harvest?.conversations, 4, `round ${r.round} harvested 4 conversations`);
        assert.equal(r.train?.status, 'succeeded');
        assert.match(r.train?.fineTunedModel ?? '', /^ft:sim-agent:josh-sim:/);
        assert.equal(r.eval?.agentModel, r.train?.fineTunedModel, 'the eval ran the trained model');
        assert.equal(r.eval?.conversations, 4);
        assert.ok(r.comparison && r.comparison.pairs === 4, 'paired on the 4 test tasks');
        assert.ok(r.comparison.success.pValue > 0 && r.comparison.success.pValue <= 1);
        assert.equal((await jobsOf(stack.simUrl, `${id}-r${r.round}-train`)).length, 1);
      }
      // Round 2 went on from round 1's model, and compared against round 1's eval.
      assert.equal(p.completed[1].agentModel, p.completed[0].train?.fineTunedModel);
      assert.equal(p.completed[1].comparison?.against, `${id}-r1-eval`);
      assert.equal(p.completed[0].comparison?.against, `${id}-r0-eval`);
      assert.equal(p.stopReason, 'all 2 rounds done');
      // Every step is a workflow of its own, filterable in the Web UI.
      assert.deepEqual(await childKinds(stack.client, id), [
        `${id}-r0-eval`,
        `${id}-r1-eval`,
        `${id}-r1-harvest`,
        `${id}-r1-train`,
        `${id}-r2-eval`,
        `${id}-r2-harvest`,
        `${id}-r2-train`,
      ]);
      // The one-page report.
      const report = fs.readFileSync(p.reportFile!, 'utf8');
      assert.match(report, /^# Campaign .*: done/);
      assert.equal(report.split('\n').filter((l) => /^\| [12] \| /.test(l)).length, 2, report);
      assert.match(report, /\| p \| cost \|/);
      // Every model call is in a result file: nothing was paid twice.
      assert.equal(
        stack.simStats().requests && (stack.simStats().requests as { total: number }).total,
        callsInResults(stack.runsRoot),
      );
      assert.equal(
        (await startLoop(stack.client, { ...SETTINGS, id, seed: 'loop-test' }, stack.taskQueue)).outcome,
        'already-done',
      );
      // Other settings under its id are refused, not ignored; a field that does not count is ignored.
      await assert.rejects(
        startLoop(
          stack.client,
          { ...SETTINGS, id, seed: 'loop-test', rounds: 5, concurrency: 3 },
          stack.taskQueue,
        ),
        (e: unknown) =>
          e instanceof RunConflictError && /: rounds 2 → 5 \(recorded → requested; ignored: /.test(e.message),
      );

      // A second campaign, terminated once round 2 has begun, then restarted under its id.
      const rid = `loop-restart-${Date.now()}`;
      await startLoop(stack.client, { ...SETTINGS, id: rid, seed: 'loop-test-restart' }, stack.taskQueue);
      await waitUntil(
        'round 2 to begin',
        async () => (await getLoopProgress(stack.client, rid)).phase.startsWith('round 2:'),
        400_000,
      );
      const before = await getLoopProgress(stack.client, rid);
      await stack.client.workflow.getHandle(rid).terminate('test: a campaign stopped mid-way');
      const kept = [`${rid}-r0-eval`, `${rid}-r1-harvest`, `${rid}-r1-eval`].map((run) => {
        const dir = path.join(stack.runsRoot, run);
        return { dir, files: resultStats(dir) };
      });
      const restarted = await startLoop(
        stack.client,
        { ...SETTINGS, id: rid, seed: 'loop-test-restart' },
        stack.taskQueue,
      );
      assert.equal(restarted.outcome, 'restarted');
      const q = await waitForWorkflow<LoopProgress>(stack.client, rid, FINAL_LOOP_MEMO);
      assert.equal(q.status, 'done', q.stopReason ?? '');
      assert.equal(q.completed.length, 2);
      assert.deepEqual(q.base, before.base, 'round 0 reused');
      assert.deepEqual(q.completed[0], before.completed[0], 'round 1 reused');
      assert.equal((await jobsOf(stack.simUrl, `${rid}-r1-train`)).length, 1, 'no second job for round 1');
      for (const k of kept) {
        const now = resultStats(k.dir);
        assert.deepEqual([...now.keys()].sort(), [...k.files.keys()].sort(), `${k.dir}: the same results`);
        for (const [f, mtime] of k.files) assert.equal(now.get(f), mtime, `${k.dir}/${f} was rewritten`);
      }
    });
    cleanups.push(() => undefined);
  },
);

test(
  'pause holds the campaign and its running eval; cancel in the fine-tuning wait cancels the job',
  { timeout: 600_000 },
  async () => {
    // Jobs that take 30 s: the cancel lands while the job runs.
    await withStack({ simOptions: { fineTuneSecondsPerPhase: 10 } }, async (stack) => {
      const id = `loop-control-${Date.now()}`;
      await startLoop(stack.client, { ...SETTINGS, id, rounds: 1, seed: 'loop-control' }, stack.taskQueue);
      const evalId = `${id}-r0-eval`;
      const handle = stack.client.workflow.getHandle(id);
      await waitUntil(
        'the base eval to run',
        async () => (await getLoopProgress(stack.client, id)).phase.startsWith('round 0:'),
        120_000,
      );
      await handle.signal('pause');
      await waitUntil(
        'the campaign to be paused',
        async () => (await getLoopProgress(stack.client, id)).status === 'paused',
        30_000,
      );
      // The running eval was paused too.
      await waitUntil(
        'the eval to be paused',
        async () =>
          (await stack.client.workflow.getHandle(evalId).query<{ status: string }>('progress')).status ===
          'paused',
        60_000,
      );
      await handle.signal('resume');
      await waitUntil(
        'the campaign to run again',
        async () => (await getLoopProgress(stack.client, id)).status === 'running',
        30_000,
      );
      await waitUntil(
        'the fine-tuning job to run',
        async () => {
          const t = await getTrainProgress(stack.client, `${id}-r1-train`).catch(() => null);
          return t !== null && t.jobId !== null && t.status !== 'creating';
        },
        400_000,
      );
      await handle.cancel();
      const p = await waitForWorkflow<LoopProgress>(stack.client, id, FINAL_LOOP_MEMO);
      assert.equal(p.status, 'cancelled');
      const [job] = await jobsOf(stack.simUrl, `${id}-r1-train`);
      assert.equal(job.status, 'cancelled', 'the campaign cancel reached the fine-tuning job');
      assert.match(fs.readFileSync(p.reportFile!, 'utf8'), /^# Campaign .*: cancelled/);
    });
  },
);
