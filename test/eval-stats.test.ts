// The evaluation statistics against hand-computed cases: the percentile bootstrap (exact
// bootstrap distributions of small samples are binomial), the task-level cluster bootstrap,
// the paired bootstrap's interval and p-value, and pass^k (τ-bench's C(c,k)/C(n,k)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootstrapCI,
  bootstrapMeans,
  pairedBootstrap,
  passHatK,
  passHatKOfTask,
  quantile,
} from '../src/eval/stats';

const singles = (xs: number[]): number[][] => xs.map((x) => [x]);
const share = (dist: number[], v: number): number =>
  dist.filter((d) => Math.abs(d - v) < 1e-9).length / dist.length;

test('quantile is the inverse empirical CDF (no interpolation)', () => {
  const xs = [1, 2, 3, 4];
  assert.equal(quantile(xs, 0.25), 1);
  assert.equal(quantile(xs, 0.26), 2);
  assert.equal(quantile(xs, 0.5), 2);
  assert.equal(quantile(xs, 0.975), 4);
  assert.equal(quantile(xs, 0), 1);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('bootstrap of 3 of 4 successes: resampled means follow Binomial(4, 3/4)/4 and the 95% CI is [0.25, 1]', () => {
  // Exact bootstrap distribution: P(k/4) = C(4,k) (3/4)^k (1/4)^(4-k):
  // 0: 1/256, 1/4: 12/256, 1/2: 54/256, 3/4: 108/256, 1: 81/256.
  // Cumulative: 0.0039, 0.0508, 0.2617, 0.6836, 1 → 2.5% quantile 1/4, 97.5% quantile 1.
  const data = singles([0, 1, 1, 1]);
  const dist = bootstrapMeans(data, { resamples: 20000, seed: 'hand' });
  const exact: [number, number][] = [
    [0, 1 / 256],
    [0.25, 12 / 256],
    [0.5, 54 / 256],
    [0.75, 108 / 256],
    [1, 81 / 256],
  ];
  for (const [v, p] of exact)
    assert.ok(Math.abs(share(dist, v) - p) < 0.01, `P(${v}) ${share(dist, v)} vs ${p}`);
  assert.deepEqual(bootstrapCI(data, { resamples: 20000, seed: 'hand' }), {
    estimate: 0.75,
    low: 0.25,
    high: 1,
  });
});

test('bootstrap of 5 of 10 successes: the 95% CI is [0.2, 0.8] (Binomial(10, 1/2) tails)', () => {
  // P(X <= 1) = 11/1024 = 0.011 < 0.025 <= P(X <= 2) = 56/1024 = 0.055, symmetric above.
  const ci = bootstrapCI(singles([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]), { resamples: 20000 });
  assert.deepEqual(ci, { estimate: 0.5, low: 0.2, high: 0.8 });
});

test('the bootstrap resamples tasks: a task’s trials move together', () => {
  // Two tasks, two trials each: {1,1} and {0,0}. Resampling tasks gives means 0, 1/2, 1 with
  // probabilities 1/4, 1/2, 1/4 — never 1/4 or 3/4, which resampling trials would give.
  const dist = bootstrapMeans(
    [
      [1, 1],
      [0, 0],
    ],
    { resamples: 8000 },
  );
  assert.ok(dist.every((d) => d === 0 || d === 0.5 || d === 1));
  assert.ok(Math.abs(share(dist, 0.5) - 0.5) < 0.03);
  // Unequal group sizes weigh by conversations: {1} and {0,0,0} → mean of the pooled values.
  assert.equal(bootstrapCI([[1], [0, 0, 0]]).estimate, 0.25);
});

test('the bootstrap is deterministic per seed', () => {
  const data = singles([0.1, 0.5, 0.2, 0.9, 0.3, 1, 0]);
  assert.deepEqual(bootstrapCI(data, { seed: 'a' }), bootstrapCI(data, { seed: 'a' }));
  assert.notDeepEqual(
    bootstrapMeans(data, { seed: 'a', resamples: 50 }),
    bootstrapMeans(data, { seed: 'b', resamples: 50 }),
  );
  // Degenerate inputs: constant data has a zero-width interval; no data has no interval.
  assert.deepEqual(bootstrapCI(singles([0.5, 0.5, 0.5])), { estimate: 0.5, low: 0.5, high: 0.5 });
  assert.ok(Number.isNaN(bootstrapCI([]).low));
});

test('paired bootstrap: interval of the mean difference and a null-shifted two-sided p-value', () => {
  // Every pair improves by 1: no resample is as far from the observed difference as 0 is, so p is
  // at its floor 1/(B+1).
  const allUp = pairedBootstrap(singles(Array(20).fill(1)), { resamples: 999 });
  assert.deepEqual([allUp.estimate, allUp.low, allUp.high, allUp.pValue], [1, 1, 1, 1 / 1000]);
  // No difference at all: p = 1.
  assert.equal(pairedBootstrap(singles([0, 0, 0, 0])).pValue, 1);
  // Differences 1 ×5, 0 ×5: d̂ = 1/2; |d* − 1/2| ≥ 1/2 only when d* is 0 or 1, each with
  // probability 2^-10, so p ≈ 2/1024 ≈ 0.002.
  const half = pairedBootstrap(singles([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), { resamples: 20000 });
  assert.equal(half.estimate, 0.5);
  assert.ok(half.pValue > 0.0005 && half.pValue < 0.005, `p ${half.pValue}`);
  assert.deepEqual([half.low, half.high], [0.2, 0.8]);
  // Symmetric differences: nothing to see.
  const sym = pairedBootstrap(singles([1, -1, 1, -1, 1, -1]), { resamples: 5000 });
  assert.equal(sym.estimate, 0);
  assert.ok(sym.pValue > 0.9);
  assert.equal(sym.pairs, 6);
});

test('pass^k is C(c,k)/C(n,k) per task, averaged over tasks', () => {
  assert.equal(passHatKOfTask(4, 2, 1), 0.5);
  assert.ok(Math.abs(passHatKOfTask(4, 2, 2) - 1 / 6) < 1e-12); // C(2,2)/C(4,2)
  assert.equal(passHatKOfTask(4, 2, 3), 0);
  assert.equal(passHatKOfTask(4, 3, 3), 0.25); // C(3,3)/C(4,3)
  assert.ok(Number.isNaN(passHatKOfTask(2, 2, 3)));
  // Tasks (n, c): (4, 2), (4, 4), (4, 3); and (1, 1), which only counts for k = 1.
  const tasks = [
    { n: 4, c: 2 },
    { n: 4, c: 4 },
    { n: 4, c: 3 },
    { n: 1, c: 1 },
  ];
  const expected = [(0.5 + 1 + 0.75 + 1) / 4, (1 / 6 + 1 + 0.5) / 3, (0 + 1 + 0.25) / 3, (0 + 1 + 0) / 3];
  for (let k = 1; k <= 4; k++) {
    const p = passHatK(tasks, k);
    assert.ok(Math.abs(p.estimate - expected[k - 1]) < 1e-12, `pass^${k} ${p.estimate}`);
    assert.equal(p.tasks, k === 1 ? 4 : 3);
    assert.ok(p.low <= p.estimate && p.estimate <= p.high);
  }
});
