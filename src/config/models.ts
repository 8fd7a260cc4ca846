// The models file: which endpoint serves each model name, in the style of LiteLLM's model list, so
// a run's agent and user simulator can live on different OpenAI-compatible endpoints with their own
// keys (the customer on a hosted model, the agent on the user's own vLLM). The file names the
// environment variable that holds each key, never the key: keys are read from the worker's
// environment when the file is loaded and stay in that process.
//
//   models:                           # or a top-level list, or a map of name → entry
//     - name: gpt-4o                  # the name runs use (--agent-model / --user-model)
//       base_url: https://api.openai.com/v1
//       api_key_env: OPENAI_API_KEY   # the variable's NAME; omitted: no key (local servers)
//       model: gpt-4o-2024-08-06      # optional: the name sent to the endpoint
//       prices: { input: 2.5, output: 10 }   # optional, USD per 1M tokens
//       extra: { top_p: 0.9 }         # optional request fields (the run's own fields win)
//       timeout_ms: 60000             # optional, per request
import * as fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors';

export interface ModelRoute {
  /** The name runs use. */
  name: string;
  baseURL: string;
  /** The key read from `apiKeyEnv` ('not-needed' without one: the SDK insists on a key). */
  apiKey: string;
  apiKeyEnv?: string;
  /** The model name sent to the endpoint. */
  upstreamModel: string;
  prices?: { input: number; output: number };
  extra: Record<string, unknown>;
  timeoutMs?: number;
}

export interface ModelsConfig {
  file: string;
  models: Record<string, ModelRoute>;
}

/** Request fields the run sets itself: an `extra` may not replace them. */
const RESERVED_EXTRA = ['model', 'messages', 'tools', 'tool_choice', 'stream', 'n'];

const Price = z.number({ message: 'must be a number (USD per 1M tokens)' }).min(0, 'must be 0 or more');
const Entry = z
  .object({
    base_url: z
      .url({ message: 'must be a URL, e.g. https://api.openai.com/v1' })
      .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http(s) URL' })
      .refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u), {
        message: 'must not hold a user name or password (user:pass@host): name the key in api_key_env',
      }),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an environment variable, e.g. OPENAI_API_KEY')
      .optional(),
    model: z.string().min(1, 'must not be empty').optional(),
    prices: z.object({ input: Price, output: Price }).strict().optional(),
    extra: z
      .record(z.string(), z.unknown())
      .refine((x) => !RESERVED_EXTRA.some((k) => k in x), {
        message: `must not set ${RESERVED_EXTRA.join(', ')} (the run sets them)`,
      })
      .optional(),
    timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();

/** A key written into the file itself: refused, with where it should go instead. */
const LITERAL_KEY_FIELDS = ['api_key', 'apiKey', 'key', 'token'];

type RawEntries = [string, unknown][];

function entriesOf(doc: unknown, where: string): RawEntries {
  const body =
    doc && typeof doc === 'object' && !Array.isArray(doc) && Object.keys(doc).length === 1 && 'models' in doc
      ? (doc as { models: unknown }).models
      : doc;
  if (Array.isArray(body)) {
    return body.map((e, i): [string, unknown] => {
      const name = e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined;
      if (typeof name !== 'string' || name === '')
        throw new UserError(`${where}: entry ${i + 1}: name: must be the model name runs use`);
      const { name: _name, ...rest } = e as Record<string, unknown>;
      return [name, rest];
    });
  }
  if (body && typeof body === 'object') return Object.entries(body);
  throw new UserError(`${where}: must be a list of models (each with a name) or a map of name → model`);
}

/** Loads and checks a models file; every problem is one line naming the file, entry and field.
 * `keys: false` skips reading the keys (a CLI that only wants the prices runs no model calls). */
export function loadModelsFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: { keys?: boolean } = {},
): ModelsConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`models file ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    // YAML 1.2 reads JSON too.
    doc = YAML.parse(text);
  } catch (e) {
    throw new UserError(`models file ${file}: not YAML or JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const where = `models file ${file}`;
  const models: Record<string, ModelRoute> = {};
  for (const [name, raw] of entriesOf(doc, where)) {
    const at = `${where}: entry "${name}"`;
    if (name in models) throw new UserError(`${at}: the name is given twice`);
    if (raw && typeof raw === 'object')
      for (const k of LITERAL_KEY_FIELDS)
        if (k in raw)
          throw new UserError(
            `${at}: ${k}: keys do not go in the models file; put the key in an environment variable and name it in api_key_env`,
          );
    const p = Entry.safeParse(raw);
    if (!p.success) {
      const i = p.error.issues[0];
      const field = i.path.join('.');
      throw new UserError(`${at}: ${field || '(entry)'}: ${i.message}`);
    }
    const e = p.data;
    let apiKey = 'not-needed';
    if (e.api_key_env !== undefined && opts.keys !== false) {
      const v = env[e.api_key_env];
      if (v === undefined || v === '')
        throw new UserError(`${at}: api_key_env: the environment variable ${e.api_key_env} is not set`);
      apiKey = v;
    }
    models[name] = {
      name,
      baseURL: e.base_url.replace(/\/+$/, ''),
      apiKey,
      apiKeyEnv: e.api_key_env,
      upstreamModel: e.model ?? name,
      prices: e.prices,
      extra: e.extra ?? {},
      timeoutMs: e.timeout_ms,
    };
  }
  return { file, models };
}

/** The file's prices, as a price table keyed by the names runs use. */
export function modelsFilePrices(
  cfg: ModelsConfig | undefined,
): Record<string, { input: number; output: number }> {
  const out: Record<string, { input: number; output: number }> = {};
  for (const m of Object.values(cfg?.models ?? {})) if (m.prices) out[m.name] = m.prices;
  return out;
}
