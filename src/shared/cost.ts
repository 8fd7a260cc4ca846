// Estimated cost of a run from its token usage and an optional price table (USD per 1M tokens,
// keyed by model name). Models missing from the table are reported, not guessed.
import type { UsageByRole } from './messages';

export type PriceTable = Record<string, { input: number; output: number }>;

export function estimateCost(
  usage: UsageByRole,
  models: { agentModel: string; userModel: string },
  prices: PriceTable | undefined,
): { usd: number; unpriced: string[] } | null {
  if (!prices) return null;
  let usd = 0;
  const unpriced: string[] = [];
  for (const [role, model] of [
    ['agent', models.agentModel],
    ['user', models.userModel],
  ] as const) {
    const u = usage[role];
    const p = prices[model];
    if (!p) {
      if (u.calls > 0) unpriced.push(model);
      continue;
    }
    usd += (u.promptTokens * p.input + u.completionTokens * p.output) / 1_000_000;
  }
  return { usd, unpriced };
}

export function formatCost(c: { usd: number; unpriced: string[] }): string {
  const base = `$${c.usd.toFixed(c.usd < 1 ? 4 : 2)}`;
  return c.unpriced.length ? `${base} (no price for ${c.unpriced.join(', ')})` : base;
}
