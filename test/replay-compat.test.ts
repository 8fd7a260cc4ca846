// Runs started by an earlier release keep running after an upgrade: histories that the workflow
// code of that release recorded replay without nondeterminism on today's code. Two baselines: the
// last commit before issue 17 changed agent turns from one activity per model call to one activity
// per turn (behind `patched()`), and the last commit before one activity per search step (a run
// with `turns: activity`, one agentTurn and one userTurn activity per leaf), so this proves those
// changes (and any later one) safe for conversations in flight during a deploy.
//
// The baseline's sources come from this repository's own git history into a temporary folder
// (sharing node_modules), and its `josh worker` runs a small harvest on the suite's dev server
// with the simulated model; then the recorded histories replay on the current workflow code.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer } from '../src/simmodel';
import { awaitHarvest, killHard, ROOT, spawnWorker } from './helpers/chaos';
import {
  replayProductWorkflows,
  testAddress,
  testClient,
  testNamespace,
  uniqueTaskQueue,
} from './helpers/temporal';

/** The last commit with one activity per model call (before issue 17's turn activity). */
const PER_CALL = '96b45c7894915153b956208aad58f6fd02ef9c7a';
/** The last commit with one activity per leaf (before the search-step activities). */
const PER_LEAF = '11fac369bc534692f97bba5fa565e5dfa6706b77';

function checkoutBaseline(dir: string, BASELINE: string): string {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${BASELINE}^{commit}`], { stdio: 'pipe' });
  } catch {
    throw new Error(
      `commit ${BASELINE} is not in this clone: the replay-compatibility test needs the project's ` +
        'git history (a full clone, not a shallow one)',
    );
  }
  const tar = execFileSync(
    'git',
    ['-C', ROOT, 'archive', BASELINE, 'bin', 'src', 'package.json', 'tsconfig.json'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return path.join(dir, 'bin', 'josh.js');
}

async function recordAndReplay(
  baseline: string,
  settings: Record<string, unknown>,
  check: (histories: { workflowId: string; history: { events?: Event[] | null } }[], kinds: string[]) => void,
): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-replay-compat-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  fs.mkdirSync(path.join(tmp, 'baseline'));
  const bin = checkoutBaseline(path.join(tmp, 'baseline'), baseline);
  const dataDir = resolveDataDir();
  const sim = await createSimModelServer({ port: 0, dataDir });
  after(() => sim.close());
  const taskQueue = uniqueTaskQueue('replay-compat');
  const worker = spawnWorker({
    bin,
    address: testAddress(),
    taskQueue,
    modelUrl: `${sim.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(tmp, 'baseline-worker.log'),
  });
  try {
    await worker.ready;
    const client = await testClient();
    const id = `t-replay-compat-${baseline.slice(0, 7)}-${Date.now()}`;
    // The baseline's own input format (it refuses fields it does not know).
    await client.workflow.start('harvestWorkflow', {
      workflowId: id,
      taskQueue,
      args: [{ id, split: 'val', limit: 2, beamSize: 3, maxSteps: 5, seed: 'replay-compat', ...settings }],
    });
    const progress = await awaitHarvest(testAddress(), testNamespace(), id, 240_000);
    assert.equal(progress.done, 2);

    const ids = [id];
    for await (const wf of client.workflow.list({ query: `JoshHarvestId="${id}"` })) {
      if (wf.workflowId !== id) ids.push(wf.workflowId);
    }
    const kinds = ids.map((w) => (w === id ? 'harvest' : /\/s\d+\/n\d+$/.test(w) ? 'turn' : 'conversation'));
    const histories = await Promise.all(
      ids.map(async (workflowId) => ({
        workflowId,
        history: await client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    check(histories, kinds);
    let replayed = 0;
    for await (const r of replayProductWorkflows(histories, 'replay-compat')) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
      replayed += 1;
    }
    assert.equal(replayed, histories.length);
  } finally {
    await killHard(worker);
  }
}

type Event = {
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
};
const scheduled = (h: { history: { events?: Event[] | null } }, name: string): number =>
  (h.history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name)
    .length;

void test("histories of turns made of one activity per model call replay on today's code", async () => {
  await recordAndReplay(PER_CALL, {}, (histories, kinds) => {
    assert.ok(kinds.includes('conversation') && kinds.includes('turn'), `recorded: ${kinds.join(', ')}`);
    // The baseline's turns made one agentCall activity per model call.
    assert.ok(
      histories.some((h) => scheduled(h, 'agentCall') > 0),
      "the baseline's histories hold per-call agentCall activities",
    );
  });
});

void test("histories of activity-shape turns made of one activity per leaf replay on today's code", async () => {
  await recordAndReplay(PER_LEAF, { turns: 'activity' }, (histories, kinds) => {
    assert.ok(!kinds.includes('turn'), `recorded: ${kinds.join(', ')}`);
    const conversations = histories.filter((_, i) => kinds[i] === 'conversation');
    // One agentTurn activity per leaf, and a userTurn per live leaf besides the opening.
    assert.ok(conversations.every((h) => scheduled(h, 'agentTurn') > 0 && scheduled(h, 'userTurn') > 1));
    assert.ok(conversations.every((h) => scheduled(h, 'searchStep') === 0));
  });
});
