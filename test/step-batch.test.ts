// One activity per search step (issue 17): the batch runner's checkpoint and resume (what a retry
// of the activity sees), and the worker's cap on model calls in flight that batches share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resumedBatch, runBatch, type BatchCheckpoint } from '../src/activities/batch';
import { Semaphore } from '../src/util/semaphore';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('a batch runs its pieces at once, returns them in order, and records each as it finishes', async () => {
  const records: BatchCheckpoint<string, number>[] = [];
  let running = 0;
  let most = 0;
  const out = await runBatch<number, string, number>({
    items: [3, 1, 2],
    key: String,
    async run(n) {
      most = Math.max(most, ++running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return `piece ${n}`;
    },
    record: (c) => records.push(c),
  });
  assert.deepEqual(out, ['piece 3', 'piece 1', 'piece 2']);
  assert.equal(most, 3, 'all pieces ran at once');
  assert.deepEqual(Object.keys(records.at(-1)!.done).sort(), ['1', '2', '3']);
  assert.deepEqual(records.at(-1)!.progress, {});
});

test('a failed piece fails the batch after the others finish; the retry redoes only what was not done, from its progress', async () => {
  const calls: string[] = [];
  let last: BatchCheckpoint<string, number> | undefined;
  const attempt = (failOn: string | null) =>
    runBatch<string, string, number>({
      items: ['a', 'b', 'c'],
      key: (k) => k,
      async run(k, piece) {
        // Each piece makes three "model calls"; `b` fails at its second on the first attempt.
        for (let i = piece.resume ?? 0; i < 3; i++) {
          if (k === failOn && i === 1) throw new Error(`${k}: the model is down`);
          calls.push(`${k}${i}`);
          piece.save(i + 1);
          // A keep-alive heartbeat carries the whole batch's state, not just this piece's.
          assert.ok((piece.heartbeatDetails() as BatchCheckpoint<string, number>).progress[k] === i + 1);
          await tick();
        }
        return `${k} done`;
      },
      record: (c) => (last = c),
      resumed: resumedBatch(last),
    });
  await assert.rejects(attempt('b'), /b: the model is down/);
  assert.deepEqual(
    Object.keys(last!.done).sort(),
    ['a', 'c'],
    'the pieces that could finish did, and are recorded',
  );
  assert.equal(last!.progress.b, 1, "b's first call is recorded");
  assert.deepEqual(await attempt(null), ['a done', 'b done', 'c done']);
  // Every call made exactly once over both attempts.
  assert.deepEqual(calls.sort(), ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2']);
});

test('heartbeat details that are not a batch checkpoint (an older activity, nothing) resume nothing', () => {
  assert.equal(resumedBatch(undefined), undefined);
  assert.equal(resumedBatch({ progress: { messages: [] } }), undefined);
  assert.deepEqual(resumedBatch({ done: { '1': 'x' } }), { done: { '1': 'x' }, progress: {} });
});

test('the semaphore holds at most its limit at once and lets the waiting in, in order', async () => {
  const s = new Semaphore(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    [0, 1, 2, 3, 4].map((i) =>
      s.run(async () => {
        most = Math.max(most, ++running);
        await tick();
        order.push(i);
        running--;
      }),
    ),
  );
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  // A failing holder frees its place.
  await assert.rejects(
    s.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await s.run(() => Promise.resolve(7)), 7);
  assert.throws(() => new Semaphore(0), /limit must be ≥ 1/);
});
