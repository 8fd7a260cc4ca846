// The checkpoint heartbeat (src/activities/checkpoint.ts): the first send waits for the hold, the
// latest checkpoint is what goes, a failing attempt hands its latest checkpoint over before it
// ends (the failure carries it to the retry), and a finished short attempt sends nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withCheckpoints } from '../src/activities/checkpoint';

function env(): { env: MockActivityEnvironment; beats: unknown[] } {
  const e = new MockActivityEnvironment();
  const beats: unknown[] = [];
  e.on('heartbeat', (d: unknown) => beats.push(d));
  return { env: e, beats };
}

const HOLD_LONG = 60_000; // longer than any of these activities can run

void test('an attempt that finishes within the hold sends no heartbeat', async () => {
  const { env: e, beats } = env();
  const out = await e.run(() =>
    withCheckpoints<number, string>(
      undefined,
      async (cp) => {
        cp.record(1);
        cp.record(2);
        assert.equal(cp.latest(), 2);
        return 'done';
      },
      HOLD_LONG,
    ),
  );
  assert.equal(out, 'done');
  assert.deepEqual(beats, []);
});

void test('an attempt that fails within the hold hands over its latest checkpoint first', async () => {
  const { env: e, beats } = env();
  await assert.rejects(
    e.run(() =>
      withCheckpoints<number, never>(
        undefined,
        async (cp) => {
          cp.record(1);
          cp.record(2);
          throw new Error('model call failed');
        },
        HOLD_LONG,
      ),
    ),
    /model call failed/,
  );
  assert.deepEqual(beats, [2]);
});

void test('a failure with nothing new since the last send sends nothing more', async () => {
  const { env: e, beats } = env();
  await assert.rejects(
    e.run(() =>
      withCheckpoints<number, never>(
        7,
        async (cp) => {
          assert.equal(cp.latest(), 7, 'starts from the resumed checkpoint');
          throw new Error('boom');
        },
        HOLD_LONG,
      ),
    ),
  );
  assert.deepEqual(beats, [], "the resumed checkpoint is already the server's");
});

void test('after the hold the latest checkpoint is sent, and later ones go to the SDK at once', async () => {
  const { env: e, beats } = env();
  await e.run(() =>
    withCheckpoints<number, void>(
      undefined,
      async (cp) => {
        const first = new Promise<void>((resolve) => e.once('heartbeat', () => resolve()));
        cp.record(1);
        cp.record(2); // replaces 1 before the hold is over
        await first;
        cp.record(3); // past the hold: straight to the SDK (which throttles)
      },
      20,
    ),
  );
  assert.deepEqual(beats, [2, 3]);
});
