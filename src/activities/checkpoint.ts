// The heartbeat that carries an activity's checkpoint (an agent turn's progress, a step's or a
// batch's finished pieces), with its first send held back (issue 17).
//
// The SDK sends an activity's first heartbeat at once and throttles the later ones (at most one a
// second here: the worker's maxHeartbeatThrottleInterval). Each one sent is a request to the
// server and a write of the workflow's mutable state, and at 200 ms per model call most agent
// turns are over in under a second: the immediate first heartbeat was ~0.4 server writes per model
// call that no retry ever read. So the first send waits until the activity has run CHECKPOINT_EVERY_MS;
// after that each checkpoint goes to the SDK, which throttles as before. Nothing a retry needs is
// lost:
// - an attempt that fails (a model error, a cancel) hands its latest checkpoint to the SDK before
//   it ends; the SDK waits for it, and the failure it reports carries it as the last heartbeat
//   details the retry starts from;
// - a worker that dies loses at most the last CHECKPOINT_EVERY_MS of progress, the same bound the
//   SDK's throttle already set for every later heartbeat.
import { Context } from '@temporalio/activity';

/** How long a checkpoint may wait before it reaches the server: the first one, held here, and the
 * later ones, held by the SDK's throttle (src/worker.ts sets it from this). */
export const CHECKPOINT_EVERY_MS = 1_000;

export interface Checkpointer<D> {
  /** The activity's latest checkpoint; it reaches the server within CHECKPOINT_EVERY_MS. */
  record(details: D): void;
  /** What the activity's keep-alive heartbeats carry (a heartbeat without it would erase the
   * progress the server holds). */
  latest(): D | undefined;
}

/** Runs `fn` with a checkpointer whose details start as `resumed` (an earlier attempt's). */
export async function withCheckpoints<D, T>(
  resumed: D | undefined,
  fn: (cp: Checkpointer<D>) => Promise<T>,
  holdMs = CHECKPOINT_EVERY_MS,
): Promise<T> {
  const ctx = Context.current();
  const started = Date.now();
  let latest = resumed;
  let unsent = false;
  let timer: NodeJS.Timeout | undefined;
  // Set by the first send. Not left to the clock: a timer may fire a millisecond before Date.now()
  // says the hold is over, and a checkpoint recorded then would wait for a timer that the
  // attempt's end clears, so it never reached the server.
  let holdOver = false;
  const send = () => {
    clearTimeout(timer);
    timer = undefined;
    unsent = false;
    holdOver = true;
    ctx.heartbeat(latest);
  };
  const cp: Checkpointer<D> = {
    record(details) {
      latest = details;
      unsent = true;
      const wait = started + holdMs - Date.now();
      if (holdOver || wait <= 0) send();
      else timer ??= setTimeout(send, wait);
    },
    latest: () => latest,
  };
  try {
    return await fn(cp);
  } catch (err) {
    // The failure reports this as its last heartbeat details: the retry resumes from it.
    if (unsent) send();
    throw err;
  } finally {
    clearTimeout(timer); // a finished attempt's checkpoint is its result
  }
}
