// The model endpoint as the worker sees it: from OPENAI_BASE_URL / OPENAI_API_KEY, and per model
// name from a models file (src/config/models.ts; --models or JOSH_MODELS_FILE). Keys live only
// here, in the worker's environment; they are never part of a workflow payload or a log line.
import { z } from 'zod';
import { type ModelRoute, loadModelsFile } from '../config/models';
import { UserError } from '../util/errors';

export const DEFAULT_SIM_MODEL_URL = 'http://127.0.0.1:8787/v1';

export interface LlmEndpointConfig {
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
  /** True when no endpoint was configured and the simulated model's default address is used. */
  simulated: boolean;
  /** Endpoints per model name from a models file; a model not in it uses the fields above. */
  models?: Record<string, ModelRoute>;
  /** The models file they came from (for messages). */
  modelsFile?: string;
  /** At most this many model calls in flight from this worker (`--llm-concurrency`): a search
   * step's activity makes several at once, so the activity slots alone no longer bound them. */
  maxInFlight?: number;
}

const Env = z.object({
  OPENAI_BASE_URL: z
    .url({ message: 'OPENAI_BASE_URL must be a URL, e.g. https://api.openai.com/v1' })
    // Node's fetch refuses a URL with credentials, so every call would fail as "connection
    // failed" and be retried without a reason: refuse it up front (the message must not echo it).
    .refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u), {
      message: 'must not hold a user name or password (user:pass@host): put the key in OPENAI_API_KEY',
    })
    .optional(),
  OPENAI_API_KEY: z.string().optional(),
  JOSH_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  JOSH_MODELS_FILE: z.string().optional(),
});

/** The worker's endpoints: the environment's, and a models file's when one is given (`modelsFile`,
 * else JOSH_MODELS_FILE), its keys read from `env`. */
export function llmEndpointFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  opts: { modelsFile?: string } = {},
): LlmEndpointConfig {
  // `OPENAI_BASE_URL=` (set but empty, as in a .env template) means unset, as for most tools.
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(set);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`environment: ${String(i.path[0])}: ${i.message}`);
  }
  const e = parsed.data;
  const modelsFile = opts.modelsFile ?? e.JOSH_MODELS_FILE;
  const models = modelsFile ? loadModelsFile(modelsFile, env).models : undefined;
  return {
    baseURL: e.OPENAI_BASE_URL ?? DEFAULT_SIM_MODEL_URL,
    // The SDK insists on a key; local servers (vLLM, Ollama, the simulated model) ignore it.
    apiKey: e.OPENAI_API_KEY ?? 'not-needed',
    timeoutMs: e.JOSH_LLM_TIMEOUT_MS,
    simulated: e.OPENAI_BASE_URL === undefined,
    ...(models ? { models, modelsFile } : {}),
  };
}

/** Where a call for `model` goes: its models-file entry (endpoint, key, the name to send, request
 * extras), or the default endpoint with the name unchanged. */
export function routeFor(
  cfg: LlmEndpointConfig,
  model: string,
): { endpoint: LlmEndpointConfig; model: string; extra: Record<string, unknown> } {
  const r = cfg.models?.[model];
  if (!r) return { endpoint: cfg, model, extra: {} };
  return {
    endpoint: {
      baseURL: r.baseURL,
      apiKey: r.apiKey,
      timeoutMs: r.timeoutMs ?? cfg.timeoutMs,
      simulated: false,
    },
    model: r.upstreamModel,
    extra: r.extra,
  };
}

/** Every key this worker holds (the default and the models file's), for scrubbing text. */
export function endpointKeys(cfg: LlmEndpointConfig): string[] {
  return [cfg.apiKey, ...Object.values(cfg.models ?? {}).map((m) => m.apiKey)];
}

// ---------------------------------------------------------------------------------------------
// Secrets in text: provider error bodies echo keys (OpenAI's 401: "Incorrect API key provided:
// sk-abc1****wxyz"), URLs carry credentials. Everything src/llm lets out (failure messages, the
// SDK's own log lines) and every endpoint the product prints goes through these first.

/** What a secret is replaced by. */
export const REDACTED = '[redacted]';

// Every pattern starts at a fixed character or the start of a word and has bounded repeats, so a
// long line (a request body at debug level) costs linear time.
const SCRUBS: [RegExp, string][] = [
  // Credentials in a URL: scheme://user:pass@host
  [/(?<![\w+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@]{1,256}@/gi, `$1${REDACTED}@`],
  // Authorization header values
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  // key=value in a query, a form or a log line: api_key=..., access_token=..., password=...
  [
    /([?&;\s]|^)([\w.-]{0,64}(?:key|token|secret|password|passwd|signature|sig)=)[^&\s"'#]+/gi,
    `$1$2${REDACTED}`,
  ],
  // "api_key": "..." in JSON
  [/("[\w-]{0,64}(?:key|token|secret|password|authorization)"\s*:\s*")[^"]*"/gi, `$1${REDACTED}"`],
  // OpenAI-style keys (sk-..., sk-proj-..., sk-ant-...)
  [/\bsk-[\w*…-]{8,}/g, REDACTED],
  // A masked key in any masking: characters, then *** or … (or ***...), then characters
  [/(?<![\w-])[\w-]{2,64}(?:\*{2,}|\*?…|\*\.{3})[\w*….-]{0,256}\w{2}/g, REDACTED],
];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with anything that looks like a secret replaced by {@link REDACTED}: the given keys
 * themselves (the configured API key, whatever its shape), those keys shown by their first and
 * last characters around a mask, `sk-` keys, masked keys, bearer tokens, `api_key=`-style values
 * and credentials in URLs.
 */
export function scrubSecrets(text: string, keys: readonly string[] = []): string {
  let out = text;
  for (const key of keys) {
    // Placeholders ("not-needed") and tiny values are not secrets worth blanking words for.
    if (key.length < 12) continue;
    out = out.split(key).join(REDACTED);
    const masked = new RegExp(
      `${escapeRegExp(key.slice(0, 4))}[\\w*….-]{0,256}${escapeRegExp(key.slice(-4))}(?![\\w])`,
      'g',
    );
    out = out.replace(masked, REDACTED);
  }
  for (const [re, by] of SCRUBS) out = out.replace(re, by);
  return out;
}

/** Every string in `v` (objects and arrays walked) scrubbed, for log arguments. */
export function scrubValue(v: unknown, keys: readonly string[] = [], depth = 0): unknown {
  if (typeof v === 'string') return scrubSecrets(v, keys);
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => scrubValue(x, keys, depth + 1));
  if (v instanceof Error) {
    // Still an Error (loggers serialise errors their own way), with its words scrubbed.
    const copy = new Error(scrubSecrets(v.message, keys));
    copy.name = v.name;
    copy.stack = v.stack === undefined ? undefined : scrubSecrets(v.stack, keys);
    for (const [k, x] of Object.entries(v))
      (copy as unknown as Record<string, unknown>)[k] = scrubValue(x, keys, depth + 1);
    return copy;
  }
  // Plain objects only: a Date, a Buffer or a class instance is left as it is.
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubValue(x, keys, depth + 1)]));
}

/**
 * An endpoint as it may be printed or logged: without the user name and password of its URL,
 * and with key-like query values (`?api_key=...`) replaced by {@link REDACTED}. Text that is not a
 * URL is scrubbed as any text.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return scrubSecrets(url);
  }
  u.username = '';
  u.password = '';
  return scrubSecrets(u.toString());
}
