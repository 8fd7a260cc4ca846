// The simulated model's HTTP face: an OpenAI-compatible chat-completions server on node:http.
// It owns transport concerns only — routing, body parsing and validation, latency (non-blocking
// timers), injected faults, counters — and hands each valid request to the model (model.ts).
// Sockets and timers are tracked so close() ends promptly even with hung requests in flight.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { resolveDataDir } from '../env/dataDir';
import { loadToolwozDb } from '../env/toolwoz/db';
import { UserError } from '../util/errors';
import { DEFAULT_ERROR_RATES, type ErrorRates, ErrorRatesSchema } from './errorModel';
import { FAULT_KINDS, type FaultKind, FaultInjector, FaultRatesSchema, parseFaultSpec } from './faults';
import { learnRates } from './finetune/learning';
import { fineTuneRoute } from './finetune/routes';
import { ApiError, FineTuneStore } from './finetune/store';
import { type Model, type RoleKind, createModel } from './model';
import { hashString } from './rng';
import { estimateTokens, promptTokens, truncateToTokens } from './tokens';
import { type ChatRequest, ChatRequestSchema, type ChatResponse, errorBody } from './wire';

export const SimModelOptionsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().default('127.0.0.1'),
    dataDir: z.string().optional(),
    latencyMs: z.number().min(0).default(0),
    jitterMs: z.number().min(0).default(0),
    msPerToken: z.number().min(0).default(0),
    /** `{"429": 0.2, ...}` or the CLI string form `429=0.2,hang=0.05`. */
    faults: z.union([z.string(), FaultRatesSchema]).default({}),
    /** Seeds fault draws and latency jitter (responses depend on the request only). */
    seed: z.number().int().default(0),
    errorRates: ErrorRatesSchema.default({}),
    /** Model ids listed by GET /v1/models (any id is accepted in requests). */
    models: z.array(z.string().min(1)).default(['josh-sim-agent', 'josh-sim-user']),
    /** When set, only these keys (`Authorization: Bearer <key>`) are accepted; any other gets the
     * 401 OpenAI answers, whose message echoes the key masked. Unset: any key, or none. */
    apiKeys: z.array(z.string().min(1)).min(1).optional(),
    /** Fine-tuning jobs: seconds each of validating_files, queued and running lasts. */
    fineTuneSecondsPerPhase: z.number().min(0).default(2),
    /** Fine-tuning jobs: probability that a job fails while running (fault injection). */
    fineTuneFailRate: z.number().min(0).max(1).default(0),
    /** Fine-tuning jobs: fewest examples a training file needs (OpenAI's is 10). */
    fineTuneMinExamples: z.number().int().min(0).default(0),
    /** When set, uploaded files and fine-tuning jobs persist here, so a restarted server keeps them. */
    stateDir: z.string().min(1).optional(),
  })
  .strict();
export type SimModelOptions = z.input<typeof SimModelOptionsSchema>;

// A type alias (not an interface) so callers can treat it as a plain Record<string, unknown>.
export type SimModelStats = {
  requests: { total: number; agent: number; user: number; unknown: number; byKind: Record<RoleKind, number> };
  faults: Record<FaultKind, number>;
  /** Completions asked for per model name, by the role played and by the key's fingerprint
   * (`keyFingerprint`: never the key itself); `(none)` for requests without a key. */
  byModel: Record<
    string,
    { total: number; agent: number; user: number; unknown: number; keys: Record<string, number> }
  >;
  tokens: { prompt: number; completion: number; total: number };
  /** Requests refused as invalid (4xx from validation, unknown routes). */
  badRequests: number;
  completions: number;
};

export interface SimModelServer {
  /** Base URL without `/v1` (e.g. http://127.0.0.1:8787); the OpenAI base URL is `${url}/v1`. */
  url: string;
  port: number;
  stats(): SimModelStats;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_BODY = 20 * 1024 * 1024;
/** Uploads (training files) may be larger, as OpenAI's are (up to 512 MB there). */
const MAX_UPLOAD = 256 * 1024 * 1024;
/** Fixed epoch for `created`: responses must be byte-identical across runs, so no clock. */
const CREATED_BASE = 1_700_000_000;

function emptyStats(): SimModelStats {
  return {
    requests: {
      total: 0,
      agent: 0,
      user: 0,
      unknown: 0,
      byKind: {
        'agent-function-calling': 0,
        'agent-react': 0,
        'user-goal': 0,
        'user-guide': 0,
        'tau-agent-function-calling': 0,
        'tau-agent-react': 0,
        'tau-customer': 0,
        unknown: 0,
      },
    },
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    byModel: {},
    tokens: { prompt: 0, completion: 0, total: 0 },
    badRequests: 0,
    completions: 0,
  };
}

function parseOptions(opts: SimModelOptions): z.output<typeof SimModelOptionsSchema> {
  const parsed = SimModelOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`simulated model option ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

/** A key as OpenAI's 401 shows it: its first characters and last four, the rest masked. */
export function maskKey(key: string): string {
  if (key.length <= 10) return `${key.slice(0, 2)}${'*'.repeat(Math.max(3, key.length - 2))}`;
  return `${key.slice(0, 6)}${'*'.repeat(key.length - 10)}${key.slice(-4)}`;
}

/** The 401 of a request whose key is not accepted, worded as OpenAI words it; undefined if it is. */
function refusedKey(accepted: string[] | undefined, authorization: string | undefined) {
  if (!accepted) return undefined;
  const key = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  if (key !== undefined && accepted.includes(key)) return undefined;
  const message =
    key === undefined || key === ''
      ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
      : `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  return errorBody(message, 'invalid_request_error', key ? 'invalid_api_key' : null);
}

/** A key as the request log shows it: a short hash, so logs can tell keys apart without holding one. */
export function keyFingerprint(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

function bearerKey(authorization: string | undefined): string | undefined {
  const key = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  return key ? key : undefined;
}

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** A tool call's arguments made unparseable, as a faulty provider or model might return them. */
function corrupt(args: string): string {
  return args.length > 1 ? args.slice(0, Math.max(1, args.length - 2)) : '{';
}

export function buildResponse(
  req: ChatRequest,
  reply: ReturnType<Model['respond']>,
  toolsJson: string,
  malformed: boolean,
): ChatResponse {
  let content = reply.completion.content;
  let call = reply.completion.toolCall;
  if (malformed && call) call = { ...call, arguments: corrupt(call.arguments) };
  if (malformed && !call && content?.includes('APICALL:')) content = corrupt(content);
  const completionText = (content ?? '') + (call ? call.name + call.arguments : '');
  let completionTokens = estimateTokens(completionText);
  let finish: 'stop' | 'tool_calls' | 'length' = call ? 'tool_calls' : 'stop';
  const limit = req.max_completion_tokens ?? req.max_tokens;
  if (limit && completionTokens > limit) {
    finish = 'length';
    if (content) content = truncateToTokens(content, limit);
    if (call) call = { ...call, arguments: truncateToTokens(call.arguments, limit) };
    completionTokens = limit;
  }
  const prompt = promptTokens(req, toolsJson);
  const id = `${hex(reply.contentHash)}${hex(reply.sampleSeed)}`;
  return {
    id: `chatcmpl-sim${id}`,
    object: 'chat.completion',
    created: CREATED_BASE + (reply.contentHash % 100_000_000),
    model: req.model,
    system_fingerprint: 'fp_josh_sim',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: call ? (content ?? null) : (content ?? ''),
          refusal: null,
          ...(call ? { tool_calls: [{ id: `call_${id}`, type: 'function' as const, function: call }] } : {}),
        },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
    },
  };
}

export async function createSimModelServer(options: SimModelOptions = {}): Promise<SimModelServer> {
  const opts = parseOptions(options);
  const faultRates = typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : opts.faults;
  const dataDir = resolveDataDir(opts.dataDir);
  const baseRates = { ...DEFAULT_ERROR_RATES, ...opts.errorRates };
  const model = createModel(loadToolwozDb(dataDir), baseRates, { dataDir });
  const fineTuning = new FineTuneStore(
    {
      secondsPerPhase: opts.fineTuneSecondsPerPhase,
      failRate: opts.fineTuneFailRate,
      minExamples: opts.fineTuneMinExamples,
      seed: opts.seed,
      stateDir: opts.stateDir,
    },
    {
      baseRates: baseRates as unknown as Record<string, number>,
      learn: (parent, data) => learnRates(parent, data, model.world),
    },
  );
  const injector = new FaultInjector(faultRates, opts.seed);
  let stats = emptyStats();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };
  const bad = (
    res: http.ServerResponse,
    status: number,
    message: string,
    code: string | null = null,
    param: string | null = null,
  ): void => {
    stats.badRequests++;
    send(res, status, errorBody(message, 'invalid_request_error', code, param));
  };
  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const chat = (
    raw: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    arrivedAt: number,
  ): void => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      return bad(
        res,
        400,
        `We could not parse the JSON body of your request. (${(e as Error).message})`,
        'invalid_json',
      );
    }
    const parsed = ChatRequestSchema.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      const param = i.path.join('.') || null;
      return bad(res, 400, `Invalid request: ${param ?? 'body'}: ${i.message}`, 'invalid_value', param);
    }
    const body = parsed.data;
    if (body.stream)
      return bad(
        res,
        400,
        'stream=true is not supported by the simulated model.',
        'unsupported_value',
        'stream',
      );
    if (body.n != null && body.n !== 1)
      return bad(res, 400, 'Only n=1 is supported by the simulated model.', 'unsupported_value', 'n');

    // The model name picks the error rates: a fine-tuned model's learned ones, else the base's.
    const rates = fineTuning.ratesFor(body.model);
    if (!rates)
      return bad(
        res,
        404,
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        'model_not_found',
        'model',
      );
    const reply = model.respond(body, { rates: rates as unknown as ErrorRates });
    stats.requests.total++;
    stats.requests[reply.role]++;
    stats.requests.byKind[reply.kind]++;
    const perModel = (stats.byModel[body.model] ??= { total: 0, agent: 0, user: 0, unknown: 0, keys: {} });
    perModel.total++;
    perModel[reply.role]++;
    const key = bearerKey(req.headers.authorization);
    const fp = key === undefined ? '(none)' : keyFingerprint(key);
    perModel.keys[fp] = (perModel.keys[fp] ?? 0) + 1;

    const { fault, rng } = injector.draw(hashString(raw));
    if (fault === 'drop') {
      stats.faults.drop++;
      // Destroy the connection mid-request: the client sees a reset, never a response.
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      stats.faults.hang++;
      return; // never answered; the client times out, close() destroys the socket
    }
    const toolsJson = body.tools ? JSON.stringify(body.tools) : '';
    const canMalform = !!reply.completion.toolCall || !!reply.completion.content?.includes('APICALL:');
    const malformed = fault === 'malformed' && canMalform;
    const response = buildResponse(body, reply, toolsJson, malformed);
    const jitter = opts.jitterMs ? (rng.next() * 2 - 1) * opts.jitterMs : 0;
    // Latency is the time the response takes from the request's arrival, as with a real endpoint
    // (where the model's own work is inside it): the time spent building this reply counts.
    const target = opts.latencyMs + jitter + opts.msPerToken * response.usage.completion_tokens;
    const delay = Math.max(0, target - (performance.now() - arrivedAt));
    later(delay, () => {
      if (fault === '429') {
        stats.faults['429']++;
        return send(
          res,
          429,
          errorBody(
            'Rate limit reached for requests (simulated). Please try again in 1s.',
            'requests',
            'rate_limit_exceeded',
          ),
          {
            'retry-after': '1',
            'retry-after-ms': '1000',
          },
        );
      }
      if (fault === '500') {
        stats.faults['500']++;
        return send(
          res,
          500,
          errorBody('The server had an error while processing your request (simulated).', 'server_error'),
        );
      }
      if (fault === '503') {
        stats.faults['503']++;
        return send(
          res,
          503,
          errorBody(
            'The engine is currently overloaded, please try again later (simulated).',
            'server_error',
            'overloaded',
          ),
        );
      }
      if (malformed) stats.faults.malformed++;
      stats.completions++;
      stats.tokens.prompt += response.usage.prompt_tokens;
      stats.tokens.completion += response.usage.completion_tokens;
      stats.tokens.total += response.usage.total_tokens;
      send(res, 200, response);
    });
  };

  const server = http.createServer((req, res) => {
    const arrivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = /^POST (\/v1)?\/files$/.test(route) ? MAX_UPLOAD : MAX_BODY;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        bad(res, 413, `Request body larger than ${limit} bytes.`, 'request_too_large');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size > limit) return;
      const bytes = Buffer.concat(chunks);
      // Only chat bodies are read as text here; an upload's bytes go to the files API as they are.
      const raw = limit === MAX_BODY ? bytes.toString('utf8') : '';
      try {
        const refused =
          route === 'GET /health' ? undefined : refusedKey(opts.apiKeys, req.headers.authorization);
        if (refused) {
          stats.badRequests++;
          return send(res, 401, refused);
        }
        switch (route) {
          case 'POST /v1/chat/completions':
          case 'POST /chat/completions':
            return chat(raw, req, res, arrivedAt);
          case 'GET /v1/models':
          case 'GET /models':
            return send(res, 200, {
              object: 'list',
              data: opts.models.map((id) => ({
                id,
                object: 'model',
                created: CREATED_BASE,
                owned_by: 'josh-harvest',
              })),
            });
          case 'GET /stats':
            return send(res, 200, stats);
          case 'POST /stats/reset':
            stats = emptyStats();
            return send(res, 200, stats);
          case 'GET /health':
            return send(res, 200, { ok: true });
          default:
            return void fineTuneRoute(
              fineTuning,
              req.method ?? 'GET',
              url,
              bytes,
              req.headers['content-type'] ?? '',
            ).then(
              (r) => {
                if (!r)
                  return bad(res, 404, `Unknown request URL: ${req.method} ${url.pathname}.`, 'unknown_url');
                if ('json' in r) return send(res, r.status, r.json);
                if (res.destroyed) return;
                res.writeHead(r.status, {
                  'content-type': 'application/octet-stream',
                  'content-length': Buffer.byteLength(r.text),
                });
                res.end(r.text);
              },
              (e: unknown) => {
                if (e instanceof ApiError) {
                  if (e.status < 500) stats.badRequests++;
                  return send(res, e.status, errorBody(e.message, e.type, e.code, e.param));
                }
                send(
                  res,
                  500,
                  errorBody(`Simulated model internal error: ${(e as Error).message}`, 'server_error'),
                );
              },
            );
        }
      } catch (e) {
        // A bug in the model must not take the server down: answer like a provider would.
        send(res, 500, errorBody(`Simulated model internal error: ${(e as Error).message}`, 'server_error'));
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Benchmarks open many keep-alive connections; never let Node's defaults cut them short.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE' ? new UserError(`port ${opts.port} on ${opts.host} is already in use`) : e,
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
