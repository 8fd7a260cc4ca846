// The JOSH harvest end to end on the real dev server: workflows, activities over real HTTP to the
// simulated model, result files; plus replay (determinism), history size and continue-as-new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { readConversations, withStack } from './helpers/harvest';
import { replayProductWorkflows } from './helpers/temporal';

async function historyOf(client: Client, workflowId: string) {
  return client.workflow.getHandle(workflowId).fetchHistory();
}

async function listIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids.sort();
}

test('a small JOSH harvest runs end to end and leaves one result file per conversation', async () => {
  await withStack({}, async (stack) => {
    const id = `t-harvest-${Date.now()}`;
    const progress = await stack.run({
      id,
      split: 'val',
      limit: 3,
      beamSize: 4,
      maxSteps: 10,
      concurrency: 3,
    });
    assert.equal(progress.status, 'done');
    assert.equal(progress.total, 3);
    assert.equal(progress.done, 3);
    assert.equal(progress.failed, 0);
    assert.ok(progress.usage.agent.calls > 0 && progress.usage.user.calls > 0);

    const runDir = path.join(stack.runsRoot, id);
    assert.equal(progress.runDir, runDir);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'harvest.json'), 'utf8'));
    assert.equal(manifest.status, 'done');
    assert.equal(manifest.config.beamSize, 4);
    const results = readConversations(runDir);
    assert.equal(results.length, 3);
    for (const r of results) {
      assert.equal(r.runId, id);
      assert.ok(typeof r.reward === 'number' && r.reward >= 0 && r.reward <= 1);
      assert.equal(r.success, r.reward === 1);
      const tree = r.tree as { isGoldenPath: boolean }[];
      assert.ok(tree.length > 1, 'the search branched');
      // A rewarded conversation has a golden path that starts with the user's opening.
      if ((r.reward as number) > 0) {
        const golden = r.goldenPath as { role: string; content: string }[];
        assert.equal(golden[0].role, 'user');
        assert.equal(golden[0].content, r.opening);
      }
    }
    // Every conversation workflow carries the product's search attributes.
    await new Promise((resolve) => setTimeout(resolve, 1500)); // visibility is eventually consistent
    const convIds = await listIds(stack.client, `JoshHarvestId="${id}" AND JoshKind="conversation"`);
    assert.deepEqual(
      convIds,
      results.map((r) => `${id}/${r.taskId}`),
    );
    const doneIds = await listIds(
      stack.client,
      `JoshHarvestId="${id}" AND JoshKind="conversation" AND JoshStatus="done"`,
    );
    assert.equal(doneIds.length, 3);
  });
});

for (const turns of ['child', 'activity'] as const)
  test(`${turns} shape: recorded histories replay without nondeterminism; a default-size conversation stays far below the limits`, async () => {
    await withStack({}, async (stack) => {
      const id = `t-replay-${turns}-${Date.now()}`;
      // The defaults: beam 8, branching 2, 15 steps, 3 agent calls per turn. In the activity shape
      // every step's input holds the whole search, so its history grows faster with the steps.
      await stack.run({ id, split: 'val', limit: 1, turns });
      const [result] = readConversations(path.join(stack.runsRoot, id));
      const convId = `${id}/${result.taskId}`;
      const histories = [
        { workflowId: id, history: await historyOf(stack.client, id) },
        { workflowId: convId, history: await historyOf(stack.client, convId) },
      ];
      const turnIds = await listIds(stack.client, `JoshHarvestId="${id}" AND JoshKind="turn"`);
      if (turns === 'child') assert.ok(turnIds.length >= 2, 'agent turns ran as child workflows');
      else assert.deepEqual(turnIds, [], 'no agent-turn workflows in the activity shape');
      for (const wid of turnIds.slice(0, 5))
        histories.push({ workflowId: wid, history: await historyOf(stack.client, wid) });

      const replay = replayProductWorkflows(histories, 'harvest-replay');
      let replayed = 0;
      for await (const r of replay) {
        assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
        replayed += 1;
      }
      assert.equal(replayed, histories.length);

      const events = histories[1].history.events?.length ?? 0;
      const bytes = Buffer.byteLength(JSON.stringify(histories[1].history));
      // Temporal warns at 10,240 events / 10 MB and stops at 51,200 / 50 MB.
      process.stdout.write(
        `# ${turns} shape, conversation history: ${events} events, ${(bytes / 1024).toFixed(0)} KiB (steps ${String(result.steps)}, branches ${String(result.branches)})\n`,
      );
      assert.ok(events > 20, 'the conversation did real work');
      assert.ok(events < 2_000, `history of ${events} events`);
      assert.ok(bytes < 4 * 1024 * 1024, `history of ${bytes} bytes`);
    });
  });

test('a long harvest continues as new and still finishes every conversation once', async () => {
  await withStack({}, async (stack) => {
    const id = `t-can-${Date.now()}`;
    const progress = await stack.run(
      { id, split: 'val', limit: 5, beamSize: 2, maxSteps: 4, userSim: 'script', concurrency: 2 },
      { continueAsNewAfter: 2 },
    );
    assert.equal(progress.done, 5);
    assert.ok(progress.generation >= 2, `generation ${progress.generation}`);
    const runs: string[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId="${id}"` }))
      runs.push(wf.status.name);
    assert.ok(runs.filter((s) => s === 'CONTINUED_AS_NEW').length >= 2, runs.join(','));
    assert.equal(readConversations(path.join(stack.runsRoot, id)).length, 5);
  });
});
