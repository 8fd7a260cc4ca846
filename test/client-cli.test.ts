// `josh runs ...` as a person uses it against a cluster: find a running harvest, pause it, refuse a
// bad concurrency with a one-line error, retune, resume, cancel and wait for the final summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoshClient } from '../src';
import { pollUntil, joshAgainstTestServer as josh } from './helpers/cli';
import { withStack } from './helpers/harvest';

test('josh runs: list, show, pause, set, resume and cancel a running harvest', async () => {
  await withStack({ simOptions: { latencyMs: 150 } }, async (stack) => {
    const client = new JoshClient(stack.client, { taskQueue: stack.taskQueue });
    const id = `t-cli-runs-${Date.now()}`;
    await client.startHarvest({
      id,
      split: 'val',
      limit: 5,
      beamSize: 2,
      maxSteps: 4,
      userSim: 'script',
      concurrency: 1,
    });
    await pollUntil(
      'a running conversation',
      () => client.getProgress(id),
      (p) => p.running >= 1,
    );

    let r = await josh('runs', 'pause', id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`paused ${id}`));

    r = await josh('runs', 'show', id, '--json');
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout);
    assert.equal(shown.status, 'paused');
    assert.equal(shown.kind, 'harvest');
    assert.equal(shown.config.beamSize, 2);
    assert.equal(shown.progress.total, 5);

    r = await josh('runs', 'set', id, '--concurrency', '0');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^josh: --concurrency: .*\n$/);
    r = await josh('runs', 'set', id, '--concurrency', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /concurrency 1 -> 2/);

    // The table, polled: visibility catches up with the pause within a moment.
    const listed = await pollUntil(
      'the run listed as paused',
      () => josh('runs', 'list', '--status', 'paused', '--kind', 'harvest'),
      (x) => x.stdout.split('\n').some((line) => line.startsWith(`${id} `)),
    );
    assert.match(listed.stdout, /^ID\s+KIND\s+STATUS/);
    assert.match(listed.stdout, new RegExp(`${id}\\s+harvest\\s+paused\\s+toolwoz/val`));

    r = await josh('runs', 'show', id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /status\s+paused \(Temporal: RUNNING\)/);
    assert.match(r.stdout, /concurrency\s+2/);

    r = await josh('runs', 'resume', id);
    assert.equal(r.code, 0, r.stderr);
    r = await josh('runs', 'cancel', id, '--wait');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${id} cancelled`));
    assert.match(r.stdout, /status\s+cancelled/);

    r = await josh('runs', 'show', 'no-such-run');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'josh: no harvest or eval run with id "no-such-run"\n');
  });
});
