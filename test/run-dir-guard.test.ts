// The run directory guards itself, whatever started the run (the CLI and the client check the
// workflow's memo first; `temporal workflow start`, or a run whose Temporal history is gone, only
// meet this): a run never takes over another run's directory, and an id is never resumed with
// settings that shape the data changed (issue 12, items 1 and 9); and a finished conversation's
// file is never rewritten by a retry of its write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { RunConfig, type RunConfigInput } from '../src/config/run';
import { createRunDirActivities } from '../src/activities/runDir';
import { createSearch } from '../src/josh/search';
import type { CompactResult } from '../src/josh/result';
import { emptyUsageByRole } from '../src/shared/messages';
import { withStack } from './helpers/harvest';

const SMALL: Omit<RunConfigInput, 'id'> = {
  split: 'val',
  limit: 1,
  beamSize: 2,
  maxSteps: 3,
  userSim: 'script',
};

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => assert.fail('the run went ahead'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  // The harvest's setup activity refused: workflow failure ← activity failure ← the refusal.
  const cause = err.cause instanceof ActivityFailure ? err.cause.cause : err.cause;
  assert.ok(cause instanceof ApplicationFailure, String(cause));
  return cause;
}

test("a run started on another run's directory, or on its own with other settings, fails as BadRunInput and leaves the files alone", async () => {
  await withStack({}, async (stack) => {
    const id = `guard-${Date.now()}`;
    const outDir = path.join(stack.runsRoot, 'shared-dir');
    const first = await stack.run({ ...SMALL, id, outDir });
    assert.equal(first.done, 1);
    const snapshot = (): string[] =>
      fs
        .readdirSync(outDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => {
          const f = path.join(e.parentPath, e.name);
          return `${f}:${fs.statSync(f).mtimeMs}`;
        })
        .sort();
    const before = snapshot();

    // Another id, the same directory.
    const other = await failure(stack.run({ ...SMALL, id: `${id}-other`, outDir }));
    assert.equal(other.type, 'BadRunInput');
    assert.match(other.message, new RegExp(`holds run ${id}: run ${id}-other needs a directory of its own`));

    // A training's directory (its train.json) is not a run's to take either.
    const trainDir = path.join(stack.runsRoot, `${id}-training`);
    fs.mkdirSync(trainDir);
    fs.writeFileSync(path.join(trainDir, 'train.json'), JSON.stringify({ config: { id: 't1' } }));
    const intoTraining = await failure(stack.run({ ...SMALL, id: `${id}-t`, outDir: trainDir }));
    assert.equal(intoTraining.type, 'BadRunInput');
    assert.match(
      intoTraining.message,
      new RegExp(`holds training t1: run ${id}-t needs a directory of its own`),
    );
    assert.deepEqual(fs.readdirSync(trainDir), ['train.json']);

    // The same id again (it completed, so a plain start goes through), with a wider beam.
    const client = stack.client;
    const wider = RunConfig.parse({ ...SMALL, id, outDir, beamSize: 3 });
    const changed = await failure(
      client.workflow.execute('harvestWorkflow', {
        workflowId: id,
        taskQueue: stack.taskQueue,
        args: [wider],
      }),
    );
    assert.equal(changed.type, 'BadRunInput');
    assert.match(changed.message, /other settings \(beamSize 2 → 3; recorded → requested\)/);

    // Settings that do not shape the data may change: the same id with another concurrency resumes.
    const again = RunConfig.parse({ ...SMALL, id, outDir, concurrency: 3 });
    const resumed = (await client.workflow.execute('harvestWorkflow', {
      workflowId: id,
      taskQueue: stack.taskQueue,
      args: [again],
    })) as { done: number; usage: { agent: { calls: number } } };
    assert.equal(resumed.done, 1);
    // Its one conversation was read back, not paid for again.
    assert.equal(resumed.usage.agent.calls, first.usage.agent.calls);
    assert.deepEqual(
      snapshot().filter((f) => !f.includes('harvest.json')),
      before.filter((f) => !f.includes('harvest.json')),
      'the refused runs changed the directory',
    );
  });
});

test('writeResult retried after its file was written (the completion lost with its worker) leaves the file as it is; a different result replaces it', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-write-result-'));
  const { writeResult } = createRunDirActivities(runsRoot);
  const s = createSearch('I need a cheap hotel in the north.', 1);
  const result: CompactResult = {
    runId: 'r1',
    mode: 'harvest',
    env: 'toolwoz',
    taskId: 'MUL0001',
    trial: 0,
    reward: 0,
    success: false,
    goalCount: 1,
    steps: 0,
    branches: 0,
    agentStrategy: 'function-calling',
    opening: s.opening,
    stopReason: 'max-steps',
    nodes: s.nodes,
    harvest: [],
    finalNodeId: 0,
    usage: emptyUsageByRole(),
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    workflowId: 'r1/MUL0001',
  };
  const file = path.join(runsRoot, 'r1', 'conversations', 'MUL0001.json');
  try {
    await writeResult({ runId: 'r1', result });
    const past = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(file, past, past);
    const before = fs.statSync(file);

    // The retry carries the same input (Temporal recorded it), so the same bytes.
    const again = await writeResult({ runId: 'r1', result });
    const after = fs.statSync(file);
    assert.equal(after.ino, before.ino, 'the file was replaced');
    assert.equal(after.mtimeMs, past.getTime(), 'the file was rewritten');
    assert.equal(again.taskId, 'MUL0001');

    const other = { ...result, finishedAt: '2026-01-01T00:02:00.000Z' };
    await writeResult({ runId: 'r1', result: other });
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { finishedAt: string };
    assert.equal(written.finishedAt, other.finishedAt);
  } finally {
    fs.rmSync(runsRoot, { recursive: true, force: true });
  }
});
