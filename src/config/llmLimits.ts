// The caps on a worker's model calls, one definition for `josh worker` (--llm-concurrency,
// --llm-rate) and for the worker that harvest, eval, demo, train and loop run in their own process
// (JOSH_LLM_CONCURRENCY, JOSH_LLM_RATE): a variable set for one is obeyed, and refused when wrong,
// by the other too, instead of being ignored by the in-process worker.
import { z } from 'zod';
import { UserError } from '../util/errors';

export const LlmLimits = z.object({
  llmConcurrency: z.coerce.number().int().min(1, 'must be at least 1').max(1000).optional(),
  llmRate: z.coerce.number().positive('must be a positive number of calls per second').optional(),
});
export type LlmLimits = z.output<typeof LlmLimits>;

const VARIABLES = { llmConcurrency: 'JOSH_LLM_CONCURRENCY', llmRate: 'JOSH_LLM_RATE' } as const;

/** The limits the environment sets; an unset or empty variable is no limit. */
export function llmLimitsFromEnv(env: NodeJS.ProcessEnv): LlmLimits {
  const raw = {
    llmConcurrency: env.JOSH_LLM_CONCURRENCY || undefined,
    llmRate: env.JOSH_LLM_RATE || undefined,
  };
  const parsed = LlmLimits.safeParse(raw);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const key = issue.path[0] as keyof typeof VARIABLES;
  const message = issue.code === 'invalid_type' ? 'expected a number' : issue.message;
  throw new UserError(`${VARIABLES[key]}: ${message}, got "${raw[key]}"`);
}
