// Cost estimates for eval and report from token usage and per-model prices (USD per 1M tokens).
// Prices come from the run config (`prices`) or a `--prices` flag: inline JSON or a JSON file.
import * as fs from 'node:fs';
import { z } from 'zod';
import type { UsageByRole } from '../shared/messages';
import { estimateCost as sharedEstimate } from '../shared/cost';
import { UserError } from '../util/errors';

const PricesSchema = z.record(
  z.string().min(1),
  z.object({ input: z.number().min(0), output: z.number().min(0) }),
);
export type Prices = z.output<typeof PricesSchema>;

export interface CostEstimate {
  currency: 'USD';
  /** Sum over the roles whose model has a price; `missing` names the models without one. */
  total: number;
  missing: string[];
}

/** The shared estimate (src/shared/cost.ts, also in the harvest summary) in eval.json's shape. */
export function estimateCost(
  usage: UsageByRole,
  agentModel: string,
  userModel: string,
  prices: Prices | undefined,
): CostEstimate | null {
  const c = sharedEstimate(usage, { agentModel, userModel }, prices);
  return c && { currency: 'USD', total: c.usd, missing: c.unpriced };
}

/** `--prices` is either JSON (`{"gpt-4o":{"input":2.5,"output":10}}`) or the path of a JSON file. */
export function parsePricesFlag(value: string): Prices {
  const text = value.trim().startsWith('{') ? value : readPricesFile(value);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UserError(
      `--prices: not valid JSON (expected {"<model>": {"input": USD/1M, "output": USD/1M}})`,
    );
  }
  const parsed = PricesSchema.safeParse(raw);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new UserError(`--prices: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

function readPricesFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`--prices: ${file} is neither JSON nor a readable file`);
  }
}
