// How far a josh process lets its JavaScript heaps grow before a full collection (issue 17;
// docs/benchmark.md, "The worker's heap").
//
// After a full (mark-compact) collection V8 lets the old generation grow to up to 4× what survived
// it before the next one; on a machine with a few GiB or more that is the factor it picks, and the
// first full collection waits longer still. A worker's live heap is ~75 MiB (task data, the SDK,
// compiled code), and what a harvest promotes and then drops (activity inputs and results, model
// replies) piled up: at 32 concurrent conversations the worker's old space reached ~270 MiB in
// 90 s and its RSS ~600 MiB, while a full collection forced every 9 s held the RSS at ~370 MiB.
//
// HEAP_GROWING_PERCENT is a growth factor, not a ceiling: a run with much live data still gets all
// the heap it needs, and pays one more full collection each time the old generation doubles.
// Node refuses the flag in NODE_OPTIONS, so it is set here, from the process's entry point
// (bin/josh.js); V8's flags are per process, so the workflow thread's heap follows it too.
import * as v8 from 'node:v8';
import { UserError } from '../util/errors';

/** Old generation at most 2× its live size before the next full collection. */
export const HEAP_GROWING_PERCENT = 100;

export const HEAP_GROWING_ENV = 'JOSH_HEAP_GROWING_PERCENT';

const FLAG_NAMES = ['--heap-growing-percent', '--heap_growing_percent'];

/**
 * Sets V8's heap growing factor to 1 + percent/100: HEAP_GROWING_PERCENT, or
 * JOSH_HEAP_GROWING_PERCENT (0 is V8's own dynamic factor). A `node --heap-growing-percent=N
 * bin/josh.js …` keeps its N. Returns the flag it set, or undefined when it left the command
 * line's.
 */
export function applyHeapPolicy(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (execArgv.some((arg) => FLAG_NAMES.some((name) => arg === name || arg.startsWith(`${name}=`)))) {
    return undefined;
  }
  const flag = `--heap-growing-percent=${heapGrowingPercent(env)}`;
  v8.setFlagsFromString(flag);
  return flag;
}

/** The growth percent josh sets: JOSH_HEAP_GROWING_PERCENT, else HEAP_GROWING_PERCENT. */
export function heapGrowingPercent(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[HEAP_GROWING_ENV];
  const text = raw?.trim() ?? '';
  if (text === '') return HEAP_GROWING_PERCENT;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value <= 1000)) {
    throw new UserError(
      `${HEAP_GROWING_ENV}: expected a whole number from 0 (V8's own heap growth) to 1000, got "${raw}"`,
    );
  }
  return value;
}
