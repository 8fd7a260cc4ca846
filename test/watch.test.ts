// watchRun (the progress line of `josh harvest`/`eval`) while Temporal does not answer: a server
// that is down, wedged ("shard status unknown") or hung must show on the line, with how long and
// why, and the watch must go on and end normally once it answers again. A fake handle stands in
// for the workflow handle: what is under test is the line, not Temporal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ServiceError, type WorkflowHandle } from '@temporalio/client';
import { watchRun } from '../src/cli/watch';
import type { HarvestProgress } from '../src/shared/harvestApi';

const progress = (done: number): HarvestProgress =>
  ({
    id: 'r',
    mode: 'harvest',
    env: 'toolwoz',
    split: 'val',
    status: 'running',
    total: 4,
    done,
    failed: 0,
    succeeded: done,
    rewardSum: done,
    runDir: '/tmp/r',
    usage: {
      agent: { calls: 10 * done, promptTokens: 0, completionTokens: 0 },
      user: { calls: done, promptTokens: 0, completionTokens: 0 },
    },
  }) as unknown as HarvestProgress;

/** What the client throws when the server answers UNAVAILABLE (as the wedged dev server did). */
function unavailable(): ServiceError {
  const grpc = Object.assign(new Error('14 UNAVAILABLE: shard status unknown'), {
    code: 14,
    details: 'shard status unknown',
  });
  return new ServiceError('Failed to query workflow', { cause: grpc });
}

function fakeHandle(script: {
  query: () => Promise<HarvestProgress>;
  result: Promise<HarvestProgress>;
}): WorkflowHandle {
  return {
    workflowId: 'r',
    query: script.query,
    result: () => script.result,
  } as unknown as WorkflowHandle;
}

const watch = (handle: WorkflowHandle, queryTimeoutMs?: number) => {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (d: Buffer) => (printed += d.toString()));
  // A line is printed at most every 5 s when it changes (non-terminal output).
  const watching = watchRun(handle, {
    tty: false,
    out,
    intervalMs: 100,
    stuckCheckMs: 1_000,
    queryTimeoutMs,
  });
  return { watching, lines: () => printed.split('\n').filter(Boolean) };
};

void test('a server that answers UNAVAILABLE is named on the progress line, and the watch ends normally after it recovers', async () => {
  let phase: 'up' | 'down' | 'back' = 'up';
  let finish!: (p: HarvestProgress) => void;
  const result = new Promise<HarvestProgress>((r) => (finish = r));
  const { watching, lines } = watch(
    fakeHandle({
      query: () =>
        phase === 'down' ? Promise.reject(unavailable()) : Promise.resolve(progress(phase === 'up' ? 1 : 3)),
      result,
    }),
  );
  await new Promise((r) => setTimeout(r, 600));
  phase = 'down';
  await new Promise((r) => setTimeout(r, 6_500)); // past the 5 s between two printed lines
  phase = 'back';
  await new Promise((r) => setTimeout(r, 5_500));
  finish({ ...progress(4), status: 'done' } as HarvestProgress);
  const final = await watching;
  assert.equal(final.done, 4);

  const said = lines();
  const down = said.find((l) => l.includes('no answer from Temporal'));
  assert.ok(down, `a line names the outage:\n${said.join('\n')}`);
  assert.match(
    down,
    /^1\/4 conversations.*; no answer from Temporal for \d+s \(shard status unknown\); still trying$/,
  );
  const after = said.slice(said.indexOf(down) + 1);
  assert.ok(
    after.some((l) => l.startsWith('3/4 conversations') && !l.includes('no answer')),
    `once it answers again the note is gone:\n${said.join('\n')}`,
  );
});

void test('a query that hangs (a stopped server) counts as no answer after the stuck-check interval', async () => {
  let hang = false;
  let finish!: (p: HarvestProgress) => void;
  const result = new Promise<HarvestProgress>((r) => (finish = r));
  const { watching, lines } = watch(
    fakeHandle({
      query: () => (hang ? new Promise<HarvestProgress>(() => undefined) : Promise.resolve(progress(2))),
      result,
    }),
    1_000,
  );
  await new Promise((r) => setTimeout(r, 600));
  hang = true;
  await new Promise((r) => setTimeout(r, 7_000));
  finish({ ...progress(4), status: 'done' } as HarvestProgress);
  await watching;
  assert.ok(
    lines().some((l) => /; no answer from Temporal for \d+s \(no reply within 1s\); still trying$/.test(l)),
    lines().join('\n'),
  );
});
