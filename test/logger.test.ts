// Logging: levels and format from the environment, secrets redacted, and the SDK's Logger
// interface mapped onto pino levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, PinoTemporalLogger } from '../src/util/logger';
import { UserError } from '../src/util/errors';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, stream };
}

void test('JOSH_LOG_LEVEL filters, and bad values are user errors naming the variable', () => {
  const out = capture();
  const log = createLogger({ env: { JOSH_LOG_LEVEL: 'warn' }, destination: out.stream });
  log.info('hidden');
  log.warn('shown');
  assert.deepEqual(
    out.lines().map((l) => l.msg),
    ['shown'],
  );
  assert.throws(
    () => createLogger({ env: { JOSH_LOG_LEVEL: 'loud' } }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        'JOSH_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
  );
  assert.throws(
    () => createLogger({ env: { JOSH_LOG_FORMAT: 'xml' } }),
    // Its own choices, not the levels' list (which it used to append).
    (e: unknown) =>
      e instanceof UserError && e.message === 'JOSH_LOG_FORMAT: expected one of json, pretty, got "xml"',
  );
});

void test('API keys and authorization headers are redacted, at any of the usual depths', () => {
  const out = capture();
  const log = createLogger({ env: {}, destination: out.stream });
  log.info(
    { apiKey: 'sk-1', llm: { apiKey: 'sk-2' }, headers: { authorization: 'Bearer sk-3' } },
    'configured',
  );
  const text = JSON.stringify(out.lines());
  for (const secret of ['sk-1', 'sk-2', 'sk-3']) assert.ok(!text.includes(secret), `${secret} redacted`);
  assert.match(text, /\[redacted\]/);
});

void test("the SDK's log levels land on the matching pino levels with their metadata", () => {
  const out = capture();
  const sdk = new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'trace' }, destination: out.stream }),
  );
  sdk.trace('t');
  sdk.debug('d');
  sdk.info('i', { taskQueue: 'josh', [Symbol('internal')]: 1 });
  sdk.warn('w');
  sdk.error('e');
  sdk.log('WARN', 'via log');
  const got = out.lines().map((l) => [l.level, l.msg]);
  assert.deepEqual(got, [
    [10, 't'],
    [20, 'd'],
    [30, 'i'],
    [40, 'w'],
    [50, 'e'],
    [40, 'via log'],
  ]);
  assert.equal(out.lines()[2]?.taskQueue, 'josh');
});

void test('the LLM-queue worker\'s expected "No workflows registered" warning is debug, other warnings stay', () => {
  const out = capture();
  const sdk = new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'debug' }, destination: out.stream }),
  );
  sdk.warn('No workflows registered, not polling for workflow tasks', { taskQueue: 'josh-llm' });
  sdk.warn('Activity not found on completion');
  // After a cancel: a model call on the wire completes into a workflow that has ended.
  sdk.warn('Activity not found on completion. This may happen if the activity has already been cancelled', {
    details: 'Status { code: NotFound, message: "workflow execution already completed" }',
  });
  assert.deepEqual(
    out.lines().map((l) => [l.level, l.msg]),
    [
      [20, 'No workflows registered, not polling for workflow tasks'],
      [40, 'Activity not found on completion'],
      [20, 'Activity not found on completion. This may happen if the activity has already been cancelled'],
    ],
  );
});

void test("an SDK warning repeated within the window is logged once, then as a count at the window's end; errors always", async () => {
  const out = capture();
  const sdk = new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'info' }, destination: out.stream }),
    1_000,
  );
  for (let i = 0; i < 50; i++)
    sdk.warn('Network error while completing activity', {
      target: 'core::activities',
      error: `attempt ${i}`,
    });
  sdk.warn('Network error while completing activity', { target: 'core::workflow' }); // another source
  sdk.error('boom');
  sdk.error('boom');
  assert.deepEqual(
    out.lines().map((l) => [l.level, l.msg, l.target]),
    [
      [40, 'Network error while completing activity', 'core::activities'],
      [40, 'Network error while completing activity', 'core::workflow'],
      [50, 'boom', undefined],
      [50, 'boom', undefined],
    ],
  );
  await new Promise((r) => setTimeout(r, 1_300));
  const counted = out.lines().slice(4);
  assert.equal(counted.length, 1, JSON.stringify(counted));
  assert.equal(counted[0]?.msg, 'Network error while completing activity (49 more in 1s)');
  assert.equal(counted[0]?.repeated, 49);
  assert.equal(counted[0]?.error, 'attempt 49', 'the last occurrence');
  // Numbers aside, it is the same warning: "retried 5 times", "retried 6 times".
  const retried = new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'info' }, destination: out.stream }),
    1_000,
  );
  for (let n = 5; n <= 9; n++)
    retried.warn(`gRPC call respond_activity_task_completed retried ${n} times`, { target: 'retry' });
  assert.deepEqual(
    out
      .lines()
      .slice(5)
      .map((l) => l.msg),
    ['gRPC call respond_activity_task_completed retried 5 times'],
  );
  // After the window the next one is logged again.
  sdk.warn('Network error while completing activity', { target: 'core::activities' });
  assert.equal(out.lines().length, 7);
});

void test("a CLI whose progress line shows retries leaves the SDK's 'Activity failed' at debug; a worker keeps the warning", () => {
  const cli = capture();
  new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'debug' }, destination: cli.stream }),
    0,
    true,
  ).warn('Activity failed', { activityType: 'userTurn', attempt: 1 });
  const worker = capture();
  new PinoTemporalLogger(
    createLogger({ env: { JOSH_LOG_LEVEL: 'debug' }, destination: worker.stream }),
    0,
  ).warn('Activity failed', { activityType: 'userTurn', attempt: 1 });
  assert.deepEqual(
    cli.lines().map((l) => [l.level, l.msg]),
    [[20, 'Activity failed']],
  );
  assert.deepEqual(
    worker.lines().map((l) => [l.level, l.msg]),
    [[40, 'Activity failed']],
  );
});
