// Estimated cost of a run from its token usage and prices (USD per 1M tokens, keyed by model
// name): a given table first (--prices, a models file's prices), then the built-in table of common
// hosted models below. Models in neither are reported, not guessed.
import type { UsageByRole } from './messages';

export type PriceTable = Record<string, { input: number; output: number }>;

/** When the built-in prices were taken (docs/operations.md says the same): providers change them. */
export const BUILTIN_PRICES_DATE = '2026-06';

// OpenAI's standard (not batch, not cached-input) text prices per 1M tokens as listed in June 2026.
// Override any of them with --prices or a models file's `prices`.
export const BUILTIN_PRICES: Readonly<PriceTable> = {
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
};

/** A model's price: the given table by exact name, else the built-in table by exact name, or by the
 * name without a provider prefix (`openai/gpt-4o`) or a dated snapshot suffix (`gpt-4o-2024-08-06`). */
export function priceOf(model: string, prices?: PriceTable): { input: number; output: number } | undefined {
  const given = prices?.[model];
  if (given) return given;
  const bare = model.replace(/^openai\//, '');
  return BUILTIN_PRICES[bare] ?? BUILTIN_PRICES[bare.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
}

/** The estimate, or null when no table was given and the built-in one prices none of the models. */
export function estimateCost(
  usage: UsageByRole,
  models: { agentModel: string; userModel: string },
  prices: PriceTable | undefined,
): { usd: number; unpriced: string[] } | null {
  let usd = 0;
  let priced = false;
  const unpriced: string[] = [];
  for (const [role, model] of [
    ['agent', models.agentModel],
    ['user', models.userModel],
  ] as const) {
    const u = usage[role];
    const p = priceOf(model, prices);
    if (!p) {
      if (u.calls > 0) unpriced.push(model);
      continue;
    }
    priced = true;
    usd += (u.promptTokens * p.input + u.completionTokens * p.output) / 1_000_000;
  }
  if (!prices && !priced) return null;
  return { usd, unpriced };
}

export function formatCost(c: { usd: number; unpriced: string[] }): string {
  const base = `$${c.usd.toFixed(c.usd < 1 ? 4 : 2)}`;
  return c.unpriced.length ? `${base} (no price for ${c.unpriced.join(', ')})` : base;
}
