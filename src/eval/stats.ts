// The statistics of evaluation (spec 4.6), pure and deterministic: a seeded percentile bootstrap
// over tasks, the paired bootstrap behind `josh compare`, and pass^k. Same input and seed, same
// numbers — so eval.json and reports are reproducible byte for byte.
import { fnv1a } from '../util/hash';

export const DEFAULT_RESAMPLES = 5000;
export const DEFAULT_LEVEL = 0.95;
export const DEFAULT_SEED = 'josh-eval';

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Confidence level of the two-sided percentile interval. */
  level?: number;
  seed?: string;
}

/** mulberry32: small, fast and good enough for resampling indices; seeded from a string. */
export function seededRandom(seed: string): () => number {
  let state = fnv1a(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** The q-quantile of sorted values as the inverse empirical CDF (the smallest value with at least
 * a q share at or below it). No interpolation: bootstrap distributions of rates are discrete, and
 * an interval end should be a value the statistic can take. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/**
 * Bootstrap distribution of the mean of all values, resampling whole groups with replacement.
 * A group is one task's values (its trials): trials of a task are correlated, so the task is the
 * unit of resampling (a cluster bootstrap); with one trial per task it is the ordinary bootstrap.
 */
export function bootstrapMeans(
  groups: readonly (readonly number[])[],
  opts: BootstrapOptions = {},
): number[] {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const sums = groups.map((g) => g.reduce((a, b) => a + b, 0));
  const counts = groups.map((g) => g.length);
  const n = groups.length;
  const rand = seededRandom(opts.seed ?? DEFAULT_SEED);
  const out = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      s += sums[j];
      c += counts[j];
    }
    out[b] = c === 0 ? NaN : s / c;
  }
  return out;
}

/** Percentile bootstrap confidence interval of the mean over all values of all groups. */
export function bootstrapCI(groups: readonly (readonly number[])[], opts: BootstrapOptions = {}): Interval {
  const estimate = mean(groups.flat());
  if (groups.length === 0) return { estimate, low: NaN, high: NaN };
  return percentileInterval(estimate, bootstrapMeans(groups, opts), opts.level);
}

function percentileInterval(estimate: number, dist: number[], level = DEFAULT_LEVEL): Interval {
  const sorted = [...dist].sort((a, b) => a - b);
  return { estimate, low: quantile(sorted, (1 - level) / 2), high: quantile(sorted, (1 + level) / 2) };
}

export interface PairedTest extends Interval {
  /** Two-sided bootstrap p-value for "the mean difference is 0". */
  pValue: number;
  pairs: number;
}

/**
 * Paired bootstrap of differences (B − A per shared key, grouped by task). The interval is the
 * percentile interval of the resampled mean difference; the p-value shifts that distribution to
 * the null (mean 0) and counts resamples at least as far from it as the observed difference:
 * p = (1 + #{|d*_b − d̂| ≥ |d̂|}) / (B + 1). The +1 keeps p above 0; the smallest reportable value
 * is 1/(B+1).
 */
export function pairedBootstrap(
  differences: readonly (readonly number[])[],
  opts: BootstrapOptions = {},
): PairedTest {
  const pairs = differences.reduce((a, g) => a + g.length, 0);
  const estimate = mean(differences.flat());
  if (differences.length === 0) return { estimate, low: NaN, high: NaN, pValue: NaN, pairs };
  const dist = bootstrapMeans(differences, opts);
  const ci = percentileInterval(estimate, dist, opts.level);
  const observed = Math.abs(ci.estimate);
  // Tolerance so that floating-point noise in sums of identical values is not "farther".
  const eps = 1e-12;
  let extreme = 0;
  for (const d of dist) if (Math.abs(d - ci.estimate) >= observed - eps) extreme++;
  return { ...ci, pValue: (1 + extreme) / (dist.length + 1), pairs };
}

/** C(c,k)/C(n,k): the chance that k trials drawn without replacement from n all succeed. */
export function passHatKOfTask(n: number, c: number, k: number): number {
  if (k > n) return NaN;
  let p = 1;
  for (let i = 0; i < k; i++) p *= (c - i) / (n - i);
  return Math.max(0, p);
}

/**
 * pass^k as τ-bench defines it: for each task with n trials and c successes, C(c,k)/C(n,k),
 * averaged over tasks. Tasks with fewer than k finished trials are left out (returned as
 * `tasks`, the number that counted).
 */
export function passHatK(
  perTask: readonly { n: number; c: number }[],
  k: number,
  opts: BootstrapOptions = {},
): Interval & { k: number; tasks: number } {
  const values = perTask.filter((t) => t.n >= k).map((t) => passHatKOfTask(t.n, t.c, k));
  return {
    k,
    tasks: values.length,
    ...bootstrapCI(
      values.map((v) => [v]),
      opts,
    ),
  };
}
