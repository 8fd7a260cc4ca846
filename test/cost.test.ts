import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCost, formatCost } from '../src/shared/cost';

const usage = {
  agent: { calls: 10, promptTokens: 2_000_000, completionTokens: 100_000 },
  user: { calls: 4, promptTokens: 500_000, completionTokens: 20_000 },
};

test('cost: tokens × price per million, by role and model', () => {
  const c = estimateCost(
    usage,
    { agentModel: 'a', userModel: 'u' },
    { a: { input: 2.5, output: 10 }, u: { input: 0.15, output: 0.6 } },
  );
  // agent 2M×2.5 + 0.1M×10 = 6.0; user 0.5M×0.15 + 0.02M×0.6 = 0.087
  assert.ok(c && Math.abs(c.usd - 6.087) < 1e-9);
  assert.equal(formatCost(c!), '$6.09');
});

test('cost: a model without a price is named, no table means no estimate', () => {
  const c = estimateCost(usage, { agentModel: 'a', userModel: 'u' }, { a: { input: 1, output: 1 } });
  assert.deepEqual(c?.unpriced, ['u']);
  assert.match(formatCost(c!), /no price for u/);
  assert.equal(estimateCost(usage, { agentModel: 'a', userModel: 'u' }, undefined), null);
});
