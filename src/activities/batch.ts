// One activity for a batch of independent pieces of model work (a search step's agent turns, or
// its user replies; issue 17): they run concurrently, and what each has done is heartbeated as it
// finishes, so a retry of the activity redoes only the unfinished pieces and never pays for a
// finished model call twice. One activity per step instead of one per leaf is what cuts the
// Temporal actions (and so the server's and the worker's CPU) per model call.

/** What a batch heartbeats: each finished piece's output, and each unfinished piece's progress. */
export interface BatchCheckpoint<O, P> {
  done: Record<string, O>;
  progress: Record<string, P>;
}

/** The checkpoint of an earlier attempt, if its heartbeat carried one. */
export function resumedBatch<O, P>(details: unknown): BatchCheckpoint<O, P> | undefined {
  const c = details as Partial<BatchCheckpoint<O, P>> | undefined;
  if (!c || typeof c.done !== 'object' || c.done === null) return undefined;
  // runBatch works on its own copy.
  return { done: c.done, progress: c.progress ?? {} };
}

/** What a piece of a batch gets besides its item. */
export interface PieceContext<P> {
  /** Its progress from an earlier attempt, if any. */
  resume: P | undefined;
  /** Records new progress of this piece (and heartbeats the batch). */
  save(progress: P): void;
  /** What keep-alive heartbeats sent while a model call waits carry: the activity's whole
   * checkpoint (a heartbeat without it would erase the progress the server holds). */
  heartbeatDetails(): unknown;
}

/** Where a batch's checkpoint goes, and where an earlier attempt's comes from. */
export interface BatchRecording<O, P> {
  /** Called with the checkpoint whenever it changes; it heartbeats `details(checkpoint)`. */
  record(checkpoint: BatchCheckpoint<O, P>): void;
  /** The activity's heartbeat details for a batch checkpoint (default: the checkpoint itself; an
   * activity that runs two batches keeps the first one's in it too). */
  details?(checkpoint: BatchCheckpoint<O, P>): unknown;
  resumed?: BatchCheckpoint<O, P>;
}

export interface BatchRun<I, O, P> extends BatchRecording<O, P> {
  items: readonly I[];
  key(item: I): string;
  run(item: I, ctx: PieceContext<P>): Promise<O>;
}

/**
 * Runs every piece at once and returns their outputs in order. If a piece fails, the others are
 * still awaited (their work is paid for, and is recorded), then the first failure is thrown.
 */
export async function runBatch<I, O, P>(b: BatchRun<I, O, P>): Promise<O[]> {
  const state: BatchCheckpoint<O, P> = {
    done: { ...(b.resumed?.done ?? {}) },
    progress: { ...(b.resumed?.progress ?? {}) },
  };
  // A copy, because the SDK may hold a throttled heartbeat's details before it sends them.
  const checkpoint = (): BatchCheckpoint<O, P> => ({
    done: { ...state.done },
    progress: { ...state.progress },
  });
  const settled = await Promise.allSettled(
    b.items.map(async (item) => {
      const k = b.key(item);
      if (k in state.done) return state.done[k];
      const out = await b.run(item, {
        resume: state.progress[k],
        save(p) {
          state.progress[k] = p;
          b.record(checkpoint());
        },
        heartbeatDetails: () => (b.details ? b.details(checkpoint()) : checkpoint()),
      });
      state.done[k] = out;
      delete state.progress[k];
      b.record(checkpoint());
      return out;
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<O>).value);
}
