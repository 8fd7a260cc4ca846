// Recurring runs on Temporal Schedules: a short-interval schedule fires and starts a harvest named
// `<schedule id>-<time>` that runs to completion; a manual trigger starts another with its own id;
// and `josh schedule ...` creates, shows, lists, pauses and deletes one, refusing bad configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { JoshClient, RunNotFoundError } from '../src';
import { pollUntil, joshAgainstTestServer as josh } from './helpers/cli';
import { withStack } from './helpers/harvest';
import { testClient, uniqueTaskQueue } from './helpers/temporal';

const ROOT = path.resolve(__dirname, '..');

test('a schedule fires on its interval and starts a harvest with a run id of its own', async () => {
  await withStack({}, async (stack) => {
    const josh = new JoshClient(stack.client, { taskQueue: stack.taskQueue });
    const sid = `t-sched-${Date.now()}`;
    const config = { split: 'val', limit: 1, beamSize: 2, maxSteps: 3, userSim: 'script' } as const;
    try {
      const created = await josh.createSchedule({ id: sid, every: '2s', config });
      assert.deepEqual(created.every, ['2s']);
      assert.equal(created.paused, false);
      assert.ok(created.nextRuns.length > 0);

      const fired = await pollUntil(
        'the first firing',
        () => josh.describeSchedule(sid),
        (s) => s.recentRuns.length > 0,
      );
      await josh.pauseSchedule(sid, 'test: one firing is enough');
      const first = fired.recentRuns[0].id;
      assert.match(first, new RegExp(`^${sid}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
      const result = await josh.waitForResult(first);
      assert.equal(result.status, 'done');
      assert.equal(result.id, first, 'the workflow id is the run id');
      assert.equal(result.done, 1);
      assert.equal(result.runDir, path.join(stack.runsRoot, first));

      // Filterable like any run: the workflow set its JoshHarvestId, Temporal the schedule id.
      const listed = await pollUntil(
        'the scheduled run in the run list',
        () => josh.listRuns({ query: `TemporalScheduledById = "${sid}"` }),
        (runs) => runs.some((r) => r.id === first && r.status === 'done'),
      );
      assert.equal(listed.find((r) => r.id === first)?.scheduleId, sid);
      const byHarvestId: string[] = [];
      for await (const wf of stack.client.workflow.list({
        query: `JoshHarvestId = "${first}" AND JoshKind = "harvest"`,
      }))
        byHarvestId.push(wf.workflowId);
      assert.deepEqual(byHarvestId, [first]);

      // A manual trigger fires even while paused, and names its run anew. Temporal names a
      // scheduled run by its action time to the second: a trigger within the first firing's
      // second would name the same (finished) run, so wait for the next second first (the
      // one-task run can finish within it).
      const firstSecondEnds = Math.floor(fired.recentRuns[0].scheduledAt.getTime() / 1000) * 1000 + 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, firstSecondEnds - Date.now() + 50)));
      await josh.triggerSchedule(sid);
      const again = await pollUntil(
        'the triggered run',
        () => josh.describeSchedule(sid),
        (s) => s.recentRuns.some((r) => r.id !== first),
      );
      const second = again.recentRuns.find((r) => r.id !== first)!.id;
      assert.equal((await josh.waitForResult(second)).id, second);

      const described = await josh.describeSchedule(sid);
      assert.equal(described.paused, true);
      assert.equal(described.note, 'test: one firing is enough');
      assert.equal(described.taskQueue, stack.taskQueue);
      assert.equal(described.config?.beamSize, 2);
      assert.equal(
        (described.config as Record<string, unknown>).id,
        undefined,
        'no id: each run gets its own',
      );
      assert.ok((await josh.listSchedules()).some((s) => s.id === sid));
    } finally {
      await josh.deleteSchedule(sid).catch(() => undefined);
      const q = `TemporalScheduledById = "${sid}" AND ExecutionStatus = "Running"`;
      // Visibility lags: a run listed as running may have finished since (nothing to terminate).
      for await (const wf of stack.client.workflow.list({ query: q }))
        await stack.client.workflow
          .getHandle(wf.workflowId)
          .terminate('test cleanup')
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          });
    }
    await assert.rejects(josh.describeSchedule(sid), RunNotFoundError);
  });
});

test('josh schedule: create from a config file, show, list, pause, delete; bad configs are refused', async () => {
  const sid = `t-sched-cli-${Date.now()}`;
  const queue = uniqueTaskQueue('sched'); // no worker: nothing must fire in this test
  const nightly = path.join(ROOT, 'examples', 'nightly-harvest.json');
  try {
    let r = await josh(
      'schedule',
      'create',
      '--id',
      sid,
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Europe/Berlin',
      '--config',
      nightly,
      '--task-queue',
      queue,
      '--paused',
      '--note',
      'created by a test',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`created schedule ${sid}`));
    assert.match(r.stdout, /when\s+cron "0 3 \* \* \*"/);

    r = await josh('schedule', 'show', sid, '--json');
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout);
    assert.deepEqual(shown.cron, ['0 3 * * *']);
    assert.equal(shown.timezone, 'Europe/Berlin');
    assert.equal(shown.paused, true);
    assert.equal(shown.taskQueue, queue);
    assert.equal(shown.config.split, 'train');
    assert.equal(shown.config.beamSize, 8);
    // 03:00 in Berlin is 01:00 or 02:00 UTC.
    assert.match(shown.nextRuns[0], /T0[12]:00:00\.000Z$/);

    r = await pollUntil(
      'the schedule in the list',
      () => josh('schedule', 'list'),
      (x) => x.stdout.includes(sid),
    );
    assert.match(r.stdout, new RegExp(`${sid}\\s+0 3 \\* \\* \\*\\s+paused`));

    r = await josh('schedule', 'pause', sid, '--note', 'maintenance');
    assert.equal(r.code, 0, r.stderr);
    const state = await (await testClient()).schedule.getHandle(sid).describe();
    assert.equal(state.state.paused, true);
    assert.equal(state.state.note, 'maintenance');

    // A config with an id would give every run the same id (and directory): refused, by field.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-sched-'));
    const withId = path.join(dir, 'with-id.json');
    fs.writeFileSync(withId, JSON.stringify({ id: 'fixed', split: 'val', beamSize: 0 }));
    r = await josh('schedule', 'create', '--id', `${sid}-x`, '--every', '1h', '--config', withId);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /with-id\.json: id: leave it out/);
    fs.writeFileSync(withId, JSON.stringify({ split: 'val', beamSize: 0 }));
    r = await josh('schedule', 'create', '--id', `${sid}-x`, '--every', '1h', '--config', withId);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /with-id\.json: beamSize: /);
    r = await josh('schedule', 'create', '--id', `${sid}-x`, '--cron', 'every tuesday', '--config', nightly);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^josh: schedule .*-x: .*/);
    fs.rmSync(dir, { recursive: true, force: true });

    r = await josh('schedule', 'delete', sid);
    assert.equal(r.code, 0, r.stderr);
    r = await josh('schedule', 'show', sid);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `josh: no schedule with id "${sid}"\n`);
  } finally {
    await (
      await testClient()
    ).schedule
      .getHandle(sid)
      .delete()
      .catch(() => undefined);
  }
});
