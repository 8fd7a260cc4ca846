// The two turn shapes (issue 17): each agent turn as a child workflow (the default) or as one
// activity of the conversation workflow. Both run a turn's model calls and tool calls in one
// activity that heartbeats its progress, so a retried turn resumes after its last finished call;
// the activity shape runs each whole search step as one activity, and the child shape a step's
// user replies.
// Against the suite's dev server with the simulated model over real HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { readConversations, withStack } from './helpers/harvest';
import { comparableResults, exportAll, scanHistories } from './helpers/chaos';
import { replayProductWorkflows } from './helpers/temporal';

async function workflowIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids.sort();
}

/** Model calls the run's result files account for (agent and user), summed. */
function callsInResults(runDir: string): number {
  return readConversations(runDir).reduce((n, r) => {
    const u = r.usage as { agent: { calls: number }; user: { calls: number } };
    return n + u.agent.calls + u.user.calls;
  }, 0);
}

const RUN = { split: 'val', limit: 3, beamSize: 4, maxSteps: 8, concurrency: 3, seed: 'turn-shapes' };

void test('both turn shapes give the same conversations and byte-identical exports for one seed; the activity shape starts no turn workflows and its histories replay', async () => {
  await withStack({}, async (stack) => {
    const stamp = Date.now();
    const child = `t-shape-child-${stamp}`;
    const activity = `t-shape-activity-${stamp}`;
    await stack.run({ ...RUN, id: child, turns: 'child' });
    await stack.run({ ...RUN, id: activity, turns: 'activity' });
    const childDir = path.join(stack.runsRoot, child);
    const activityDir = path.join(stack.runsRoot, activity);
    assert.deepEqual(comparableResults(activityDir), comparableResults(childDir));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-shapes-'));
    const a = exportAll(activityDir, stack.dataDir, path.join(out, 'activity'));
    const c = exportAll(childDir, stack.dataDir, path.join(out, 'child'));
    for (const [name, bytes] of c)
      assert.ok(bytes.equals(a.get(name)!), `${name} differs between the shapes`);
    assert.ok(callsInResults(activityDir) > 0);

    await new Promise((resolve) => setTimeout(resolve, 1500)); // visibility is eventually consistent
    assert.ok((await workflowIds(stack.client, `JoshHarvestId="${child}" AND JoshKind="turn"`)).length > 0);
    assert.deepEqual(await workflowIds(stack.client, `JoshHarvestId="${activity}" AND JoshKind="turn"`), []);

    // The activity shape's conversation histories hold agentTurn activities, named for the Web UI,
    // and replay on the current workflow code.
    const convIds = await workflowIds(
      stack.client,
      `JoshHarvestId="${activity}" AND JoshKind="conversation"`,
    );
    assert.equal(convIds.length, RUN.limit);
    const histories = await Promise.all(
      [activity, ...convIds].map(async (workflowId) => ({
        workflowId,
        history: await stack.client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    const scheduled = (name: string) =>
      histories[1].history.events!.filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name,
      );
    // One searchStep activity per step: its agent turns, reward check and user replies.
    const steps = scheduled('searchStep');
    assert.ok(steps.length > 0, 'the conversation ran its steps as searchStep activities');
    for (const name of ['agentTurn', 'userReplies'])
      assert.deepEqual(scheduled(name), [], `no ${name} activities in the activity shape`);
    assert.equal(scheduled('userTurn').length, 1, 'only the opening is a user reply of its own');
    // The Web UI names each step and the nodes it grows from.
    const summaries = steps.map((e) => Buffer.from(e.userMetadata?.summary?.data ?? []).toString('utf8'));
    for (const x of summaries) assert.match(x, /^"search step \d+ from nodes? \d+(, \d+)*"$/);
    // The child shape: a step's user replies are one userReplies activity.
    const childConv = (
      await workflowIds(stack.client, `JoshHarvestId="${child}" AND JoshKind="conversation"`)
    )[0];
    const childEvents = (await stack.client.workflow.getHandle(childConv).fetchHistory()).events!;
    assert.ok(
      childEvents.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'userReplies'),
      "the child shape's conversation asks for a step's user replies in one activity",
    );
    let replayed = 0;
    for await (const r of replayProductWorkflows(histories, 'shape-replay')) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
      replayed += 1;
    }
    assert.equal(replayed, histories.length);
  });
});

void test('a turn whose model call fails between two calls resumes after its last finished call: no model call is paid twice', async () => {
  // 500s on a seeded share of requests: a turn's second or third call fails, the activity is
  // retried, and the retry must start from the heartbeated progress.
  await withStack({ simOptions: { faults: { '500': 0.25 }, seed: 7 } }, async (stack) => {
    const id = `t-shape-fault-${Date.now()}`;
    const progress = await stack.run({ ...RUN, id, turns: 'activity' });
    assert.equal(progress.status, 'done');
    const stats = stack.simStats() as { completions: number; faults: Record<string, number> };
    assert.ok(stats.faults['500'] > 0, 'faults were injected');
    const scan = await scanHistories(stack.client, id);
    assert.ok((scan.retriedActivities.searchStep ?? 0) > 0, 'some search step was retried');
    // Every completion the model served is a call some result accounts for, exactly once.
    assert.equal(stats.completions, callsInResults(path.join(stack.runsRoot, id)));

    // The child shape: each turn one agentTurn activity in its child workflow, same guarantee.
    const before = stats.completions;
    const cid = `t-shape-fault-child-${Date.now()}`;
    assert.equal((await stack.run({ ...RUN, id: cid, turns: 'child' })).status, 'done');
    const after = stack.simStats() as { completions: number };
    assert.equal(after.completions - before, callsInResults(path.join(stack.runsRoot, cid)));
    const childScan = await scanHistories(stack.client, cid);
    assert.ok((childScan.retriedActivities.agentTurn ?? 0) > 0, 'some agent turn was retried');
    assert.ok((childScan.retriedActivities.userReplies ?? 0) > 0, "some step's user replies were retried");
  });
});
