// The model endpoint as the worker sees it: from OPENAI_BASE_URL / OPENAI_API_KEY (the key lives
// only here, in the worker's environment; it is never part of a workflow payload or a log line).
import { z } from 'zod';
import { UserError } from '../util/errors';

export const DEFAULT_SIM_MODEL_URL = 'http://127.0.0.1:8787/v1';

export interface LlmEndpointConfig {
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
  /** True when no endpoint was configured and the simulated model's default address is used. */
  simulated: boolean;
}

const Env = z.object({
  OPENAI_BASE_URL: z
    .url({ message: 'OPENAI_BASE_URL must be a URL, e.g. https://api.openai.com/v1' })
    .optional(),
  OPENAI_API_KEY: z.string().optional(),
  JOSH_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
});

export function llmEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): LlmEndpointConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`environment: ${String(i.path[0])}: ${i.message}`);
  }
  const e = parsed.data;
  return {
    baseURL: e.OPENAI_BASE_URL ?? DEFAULT_SIM_MODEL_URL,
    // The SDK insists on a key; local servers (vLLM, Ollama, the simulated model) ignore it.
    apiKey: e.OPENAI_API_KEY ?? 'not-needed',
    timeoutMs: e.JOSH_LLM_TIMEOUT_MS,
    simulated: e.OPENAI_BASE_URL === undefined,
  };
}
