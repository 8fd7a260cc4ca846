// Strict run inputs (issue 12, item 2): a misspelled or unknown field is refused, never dropped, on
// every way in — the typed client's startHarvest/startEval, schedules (client and `josh schedule
// create --config`), `--config` files and the JSON input of `temporal workflow start` — naming the
// field and the nearest known one. Also: run ids made only of dots are refused (`..` would put
// the run's files in the directory above the runs root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { InvalidConfigError, JoshClient } from '../src';
import { parseScheduledConfig, parseStartConfig } from '../src/client/config';
import { createSchedule } from '../src/client/schedules';
import { runConfigFromFlags } from '../src/cli/runOptions';
import { RunConfig, editDistance, formatZodError, nearestName } from '../src/config/run';
import { UserError } from '../src/util/errors';
import { joshAgainstTestServer, pollUntil } from './helpers/cli';
import { withStack } from './helpers/harvest';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
const BEAMSIZE = "unknown field 'beamsize' (did you mean 'beamSize'?)";

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected it to throw');
}

test('edit distance and the nearest known name: a case-insensitive match first', () => {
  assert.equal(editDistance('beamsize', 'beamSize'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
  const known = ['beamSize', 'branching', 'maxSteps', 'concurrency', 'agentTemperature', 'limit'];
  assert.equal(nearestName('beamsize', known), 'beamSize');
  assert.equal(nearestName('BEAMSIZE', known), 'beamSize');
  assert.equal(nearestName('beam_size', known), 'beamSize');
  assert.equal(nearestName('concurency', known), 'concurrency');
  assert.equal(nearestName('maxStep', known), 'maxSteps');
  assert.equal(nearestName('temperature', known), 'agentTemperature');
  assert.equal(nearestName('xyzzy', known), undefined);
  // Case first: `limits` is one edit from `limit`, but `Limit` differs only in case.
  assert.equal(nearestName('Limit', ['limits', 'limit']), 'limit');
});

test('startHarvest/startEval configs: an unknown field is refused, named, with the nearest known one', () => {
  for (const kind of ['harvest', 'eval'] as const) {
    const err = thrown(() =>
      parseStartConfig({ id: 'a', split: 'val', beamsize: 4 }, kind, `${kind} config`),
    );
    assert.ok(err instanceof InvalidConfigError, String(err));
    assert.equal(err.message, `${kind} config: ${BEAMSIZE}`);
    assert.deepEqual(err.issues, [{ path: 'beamsize', message: BEAMSIZE }]);
  }
  // Every unknown field is named, each with its own suggestion or none; with the other problems.
  const err = thrown(() =>
    parseStartConfig({ id: 'a', Concurrency: 2, xyzzy: true, maxSteps: 0 }, 'harvest', 'harvest config'),
  ) as InvalidConfigError;
  assert.deepEqual(err.issues.map((i) => i.path).sort(), ['Concurrency', 'maxSteps', 'xyzzy']);
  assert.match(
    err.message,
    /^harvest config: unknown field 'Concurrency' \(did you mean 'concurrency'\?\)$/m,
  );
  assert.match(err.message, /^harvest config: unknown field 'xyzzy'$/m);
  assert.match(err.message, /^harvest config: maxSteps: Too small/m);
  // Nested objects are strict too: a price entry with a typo.
  const price = thrown(() =>
    parseStartConfig({ id: 'a', prices: { 'sim-agent': { input: 1, output: 2, ouptut: 3 } } }, 'harvest'),
  );
  assert.match(
    price.message,
    /^run config: prices\.sim-agent: unknown field 'ouptut' \(did you mean 'output'\?\)$/m,
  );
});

test('scheduled configs are strict too (a nightly `beamsize: 4` would otherwise run at beam 8 forever)', () => {
  const err = thrown(() =>
    parseScheduledConfig({ split: 'train', beamsize: 4 }, 'nightly', 'schedule nightly: config'),
  );
  assert.ok(err instanceof InvalidConfigError);
  assert.equal(err.message, `schedule nightly: config: ${BEAMSIZE}`);
});

test('schedule options are strict too: a misspelled time zone is not silently UTC', async () => {
  const options = { id: 'nightly', cron: '0 3 * * *', timeZone: 'Europe/Paris', config: {} };
  // Checked before the client is used: no server needed.
  await assert.rejects(createSchedule({} as Client, 'josh', options as never), (e: unknown) => {
    assert.ok(e instanceof InvalidConfigError, String(e));
    assert.equal(e.message, "schedule: unknown field 'timeZone' (did you mean 'timezone'?)");
    return true;
  });
});

test('what the product stores is a parsed config (defaults filled in): it parses again, strictly', () => {
  const parsed = RunConfig.parse({ id: 'r', split: 'val', prices: { m: { input: 1, output: 2 } } });
  assert.deepEqual(RunConfig.parse(parsed), parsed);
  // A schedule's action args: the parsed config without id; the workflow adds its workflow id.
  const scheduled = parseScheduledConfig({ split: 'train', limit: 3 }, 'nightly');
  assert.equal(RunConfig.parse({ ...scheduled, id: 'nightly-2026-01-01T00:00:00Z' }).limit, 3);
  // The workflow's own check names unknown fields the same way.
  const bad = RunConfig.safeParse({ id: 'r', beamsize: 4 });
  assert.equal(bad.success, false);
  assert.equal(formatZodError('harvest input', bad.error!), `harvest input: ${BEAMSIZE}`);
});

test('a --config file goes through the same strict parse, naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-strict-'));
  const file = path.join(dir, 'run.yaml');
  fs.writeFileSync(file, 'split: val\nbeamsize: 4\n');
  const err = thrown(() => runConfigFromFlags({ config: file }, 'harvest'));
  assert.ok(err instanceof UserError, String(err));
  assert.equal(err.message, `${file}: ${BEAMSIZE}`);
  fs.rmSync(dir, { recursive: true });
});

test('josh schedule create --config: the config is checked before connecting, one line per problem', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-strict-'));
  fs.writeFileSync(path.join(dir, 'nightly.yaml'), 'split: train\nbeamsize: 4\nlimt: 3\n');
  // Nothing listens on port 1: a config error must not wait for (or hide behind) the connection.
  const ran = spawnSync(
    process.execPath,
    [
      JOSH,
      'schedule',
      'create',
      '--id',
      'nightly',
      '--every',
      '1h',
      '--config',
      'nightly.yaml',
      '--address',
      '127.0.0.1:1',
    ],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, JOSH_LOG_LEVEL: 'warn' }, timeout: 60_000 },
  );
  assert.notEqual(ran.status, 0);
  assert.deepEqual(ran.stderr.trim().split('\n'), [
    `josh: nightly.yaml: ${BEAMSIZE}`,
    "nightly.yaml: unknown field 'limt' (did you mean 'limit'?)",
  ]);
  fs.rmSync(dir, { recursive: true });
});

test('run ids made only of dots are refused; dots elsewhere are fine', () => {
  for (const id of ['.', '..', '...']) {
    const err = thrown(() => parseStartConfig({ id }, 'harvest'));
    assert.ok(err instanceof InvalidConfigError, `${id}: ${String(err)}`);
    assert.match(err.message, /^run config: id: not only dots/m, id);
    assert.equal(RunConfig.safeParse({ id }).success, false, id);
  }
  for (const id of ['.hidden', 'a..b', 'v1.2', 'run.', 'nightly-2026-01-01T00:00:00Z']) {
    assert.equal(parseStartConfig({ id }, 'harvest').id, id);
  }
  // The CLI's --id goes through the same check.
  assert.throws(() => runConfigFromFlags({ id: '..' }, 'harvest'), /run options: id: not only dots/);
});

test('temporal workflow start with a misspelled field: the harvest fails as BadRunInput naming it', async () => {
  await withStack({}, async (stack) => {
    const workflowId = `t-strict-wf-${Date.now()}`;
    const handle = await stack.client.workflow.start('harvestWorkflow', {
      workflowId,
      taskQueue: stack.taskQueue,
      args: [{ split: 'val', limit: 1, beamsize: 4 }],
    });
    const err = await handle.result().then(
      () => assert.fail('the harvest ran, with the misspelled field dropped'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError, String(err));
    const cause = err.cause;
    assert.ok(cause instanceof ApplicationFailure, String(cause));
    assert.equal(cause.type, 'BadRunInput');
    assert.equal(cause.nonRetryable, true);
    assert.equal(cause.message, `harvest input: ${BEAMSIZE}`);
    assert.equal(fs.existsSync(path.join(stack.runsRoot, workflowId)), false, 'no run directory');
  });
});

test('temporal workflow start with an input that is not an object: BadRunInput, not a stuck task or a default run', async () => {
  await withStack({}, async (stack) => {
    for (const [input, says] of [
      [null, 'got null'],
      [5, 'got number'],
      [['val'], 'got an array'],
    ] as const) {
      const workflowId = `t-strict-shape-${Date.now()}-${says.replace(/\W/g, '')}`;
      const handle = await stack.client.workflow.start('harvestWorkflow', {
        workflowId,
        taskQueue: stack.taskQueue,
        args: [input],
      });
      const err = await handle.result().then(
        () => assert.fail(`the harvest ran on ${JSON.stringify(input)}`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, 'BadRunInput');
      assert.match(err.cause.message, new RegExp(`expected one JSON object .*${says}`));
    }
  });
});

test('client and CLI refuse a misspelled field before anything starts; schedules still run', async () => {
  await withStack({}, async (stack) => {
    const josh = new JoshClient(stack.client, { taskQueue: stack.taskQueue });
    const id = `t-strict-client-${Date.now()}`;
    await assert.rejects(josh.startHarvest({ id, split: 'val', beamsize: 4 } as never), (e: unknown) => {
      assert.ok(e instanceof InvalidConfigError);
      assert.equal(e.message, `harvest config: ${BEAMSIZE}`);
      return true;
    });
    await assert.rejects(
      stack.client.workflow.getHandle(id).describe(),
      /not found/i,
      'no workflow was started',
    );

    const sid = `t-strict-sched-${Date.now()}`;
    await assert.rejects(
      josh.createSchedule({ id: sid, every: '1h', config: { split: 'val', beamsize: 4 } as never }),
      new RegExp(`schedule ${sid}: config: unknown field 'beamsize' \\(did you mean 'beamSize'\\?\\)`),
    );

    // The CLI: one line naming the file and the field, exit non-zero, no schedule.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-strict-'));
    const file = path.join(dir, 'nightly.json');
    fs.writeFileSync(file, JSON.stringify({ split: 'train', beamsize: 4 }));
    const ran = await joshAgainstTestServer(
      'schedule',
      'create',
      '--id',
      sid,
      '--every',
      '1h',
      '--config',
      file,
      '--task-queue',
      stack.taskQueue,
    );
    assert.notEqual(ran.code, 0, ran.stdout);
    assert.equal(ran.stderr.trim(), `josh: ${file}: ${BEAMSIZE}`);
    await assert.rejects(josh.describeSchedule(sid), /no schedule/);

    // A valid schedule stores a parsed config (defaults filled in); its run parses it and runs.
    const config = { split: 'val', limit: 1, beamSize: 2, maxSteps: 3, userSim: 'script' } as const;
    try {
      await josh.createSchedule({ id: sid, every: '1h', paused: true, config });
      await josh.triggerSchedule(sid);
      const fired = await pollUntil(
        'the triggered run',
        () => josh.describeSchedule(sid),
        (s) => s.recentRuns.length > 0,
      );
      const result = await josh.waitForResult(fired.recentRuns[0].id);
      assert.equal(result.status, 'done');
      assert.equal(result.done, 1);
    } finally {
      await josh.deleteSchedule(sid).catch(() => undefined);
      fs.rmSync(dir, { recursive: true });
    }
  });
});
