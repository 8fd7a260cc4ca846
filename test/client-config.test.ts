// The client API's checks that need no server: configs for starts and schedules go through the one
// RunConfig schema with errors that name the field; run ids are made up when left out; list
// queries and run statuses map a person's words onto visibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidConfigError } from '../src';
import { generateRunId, parseScheduledConfig, parseStartConfig } from '../src/client/config';
import { listRunsQuery, runStatusOf } from '../src/client/runs';

test('start configs: defaults filled in, mode checked per entry point, id made up when missing', () => {
  const c = parseStartConfig({ id: 'a', split: 'val' }, 'harvest');
  assert.equal(c.mode, 'harvest');
  assert.equal(c.beamSize, 8);
  assert.equal(parseStartConfig({ id: 'b', mode: 'baseline' }, 'harvest').mode, 'baseline');
  assert.equal(parseStartConfig({ id: 'c', agentTemperature: 0 }, 'eval').mode, 'eval');
  assert.throws(() => parseStartConfig({ id: 'd', mode: 'eval' }, 'harvest'), /mode: use startEval/);
  assert.throws(
    () => parseStartConfig({ id: 'e', mode: 'harvest' }, 'eval'),
    /mode: startEval runs mode "eval"/,
  );

  const made = parseStartConfig({ split: 'val' }, 'harvest').id;
  assert.match(made, /^harvest-\d{8}-\d{6}-[0-9a-f]{4}$/);
  assert.notEqual(generateRunId('eval'), generateRunId('eval'));
  assert.match(generateRunId('eval', new Date('2026-01-02T03:04:05Z')), /^eval-20260102-030405-/);
});

test('bad configs: one InvalidConfigError naming every field and what was expected', () => {
  let err: unknown;
  try {
    parseStartConfig({ id: 'bad id', beamSize: 0, userSim: 'oracle' }, 'harvest', 'harvest config');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof InvalidConfigError);
  assert.deepEqual(
    err.issues.map((i) => i.path),
    ['id', 'beamSize', 'userSim'],
  );
  assert.match(err.message, /^harvest config: id: letters, digits and \. _ : - only$/m);
  assert.match(err.message, /^harvest config: beamSize: /m);
  assert.throws(() => parseStartConfig('split=val', 'harvest'), /\(root\): expected an object/);
  assert.throws(() => parseStartConfig(null, 'harvest'), InvalidConfigError);
});

test('scheduled configs: no id, no outDir, otherwise the run schema', () => {
  const c = parseScheduledConfig({ split: 'train', limit: 10 }, 'nightly');
  assert.equal('id' in c, false);
  assert.equal(c.split, 'train');
  assert.throws(() => parseScheduledConfig({ id: 'x' }, 'nightly'), /id: leave it out/);
  assert.throws(() => parseScheduledConfig({ outDir: '/data/run' }, 'nightly'), /outDir: leave it out/);
  assert.throws(
    () => parseScheduledConfig({ trials: 0 }, 'nightly', 'nightly.yaml'),
    /nightly\.yaml: trials: /,
  );
});

test('run list queries and statuses', () => {
  assert.equal(listRunsQuery(), 'JoshKind IN ("harvest", "eval") AND ExecutionStatus != "ContinuedAsNew"');
  assert.equal(
    listRunsQuery({ kind: 'eval', status: 'paused', query: 'JoshSplit = "val"' }),
    'JoshKind IN ("eval") AND ExecutionStatus != "ContinuedAsNew" AND ' +
      'ExecutionStatus = "Running" AND JoshStatus = "paused" AND (JoshSplit = "val")',
  );
  assert.equal(runStatusOf('RUNNING', 'paused'), 'paused');
  assert.equal(runStatusOf('RUNNING', undefined), 'running');
  assert.equal(runStatusOf('COMPLETED', 'budget-stopped'), 'budget-stopped');
  assert.equal(runStatusOf('COMPLETED', 'running'), 'done');
  assert.equal(runStatusOf('CANCELLED', 'running'), 'cancelled');
  assert.equal(runStatusOf('TERMINATED', 'running'), 'terminated');
  assert.equal(runStatusOf('FAILED', 'running'), 'failed');
});
