// Cost without --prices: the built-in table of common hosted models (src/shared/cost.ts), how a
// given table and a models file's prices override it, and how a run config gets its prices.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runConfigFromFlags } from '../src/cli/runOptions';
import { estimateCost as evalCost } from '../src/eval/cost';
import { BUILTIN_PRICES, estimateCost, priceOf } from '../src/shared/cost';

const usage = {
  agent: { calls: 10, promptTokens: 1_000_000, completionTokens: 100_000 },
  user: { calls: 4, promptTokens: 500_000, completionTokens: 50_000 },
};

test('known hosted models are priced without a table; others are named, not guessed', () => {
  const c = estimateCost(usage, { agentModel: 'gpt-4o-mini', userModel: 'my-vllm-model' }, undefined);
  // 1M × 0.15 + 0.1M × 0.6 = 0.21
  assert.ok(c && Math.abs(c.usd - 0.21) < 1e-9, JSON.stringify(c));
  assert.deepEqual(c.unpriced, ['my-vllm-model']);
  assert.equal(estimateCost(usage, { agentModel: 'sim-agent', userModel: 'sim-user' }, undefined), null);
  assert.equal(evalCost(usage, 'sim-agent', 'sim-user', undefined), null);
  assert.deepEqual(evalCost(usage, 'gpt-4o-mini', 'gpt-4o-mini', undefined)?.missing, []);
});

test('a snapshot date or a provider prefix finds the base entry; a given table wins', () => {
  assert.deepEqual(priceOf('gpt-4o-2024-08-06'), BUILTIN_PRICES['gpt-4o']);
  assert.deepEqual(priceOf('openai/gpt-4.1-mini'), BUILTIN_PRICES['gpt-4.1-mini']);
  assert.equal(priceOf('gpt-4o-mini-tts'), undefined);
  assert.deepEqual(priceOf('gpt-4o', { 'gpt-4o': { input: 1, output: 2 } }), { input: 1, output: 2 });
  const c = estimateCost(
    usage,
    { agentModel: 'gpt-4o', userModel: 'gpt-4o' },
    { 'gpt-4o': { input: 0, output: 0 } },
  );
  assert.equal(c?.usd, 0);
});

test('a run config takes a models file prices, and --prices over them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-prices-'));
  try {
    const models = path.join(dir, 'models.yaml');
    // Its key variable is not set: the CLI reads only the prices, never the keys.
    fs.writeFileSync(
      models,
      `models:
  - name: agent-m
    base_url: http://127.0.0.1:1/v1
    api_key_env: JOSH_TEST_KEY_THAT_IS_NOT_SET
    prices: { input: 1, output: 2 }
  - name: user-m
    base_url: http://127.0.0.1:2/v1
    prices: { input: 3, output: 4 }
`,
    );
    const prices = path.join(dir, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify({ 'user-m': { input: 5, output: 6 } }));
    const c = runConfigFromFlags({ models, prices, agentModel: 'agent-m', userModel: 'user-m' }, 'harvest');
    assert.deepEqual(c.prices, { 'agent-m': { input: 1, output: 2 }, 'user-m': { input: 5, output: 6 } });
    assert.equal(runConfigFromFlags({}, 'harvest').prices, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
