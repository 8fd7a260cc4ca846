// One chat-completions call through the official SDK, validated at the boundary.
import OpenAI from 'openai';
import { z } from 'zod';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { type LlmEndpointConfig, endpointKeys, routeFor, scrubSecrets, scrubValue } from './endpoint';
import { LLM_MALFORMED, LLM_TRANSIENT, toTemporalFailure } from './errors';
import type { Usage } from '../shared/messages';
import { Semaphore } from '../util/semaphore';

const clients = new Map<string, OpenAI>();

function clientFor(cfg: LlmEndpointConfig, scrub: string[]): OpenAI {
  // One client per endpoint and key (two models may share an endpoint with different keys); the
  // map holds a hash of the key, not the key.
  const keyHash = createHash('sha256').update(cfg.apiKey).digest('hex').slice(0, 16);
  const key = `${cfg.baseURL}|${cfg.timeoutMs}|${keyHash}`;
  let c = clients.get(key);
  if (!c) {
    c = new OpenAI({
      baseURL: cfg.baseURL,
      apiKey: cfg.apiKey,
      maxRetries: 0,
      timeout: cfg.timeoutMs,
      logger: scrubbingLogger(scrub),
    });
    clients.set(key, c);
  }
  return c;
}

/** The SDK's own logging (OPENAI_LOG=debug: URLs, error bodies) to the console, secrets scrubbed. */
function scrubbingLogger(keys: string[]) {
  const at =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, ...rest: unknown[]): void =>
      console[level](scrubSecrets(message, keys), ...rest.map((r) => scrubValue(r, keys)));
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

const Completion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.string().optional(),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullable()
            .optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1, 'no choices'),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).partial().optional(),
});

export type CompletionMessage = z.output<typeof Completion>['choices'][number]['message'];

export interface ChatRequest {
  model: string;
  messages: unknown[];
  tools?: unknown[];
  parallel_tool_calls?: boolean;
  temperature: number;
  seed?: number;
  max_tokens?: number;
}

/** Heartbeat while waiting on the model, so a worker that dies mid-call is noticed within the
 * heartbeat timeout (seconds) instead of the call's whole StartToClose budget. An activity that
 * records its progress in heartbeat details (an agent turn) passes them: a bare heartbeat would
 * replace the recorded progress with nothing. */
async function withHeartbeat<T>(ctx: Context | null, work: Promise<T>, details?: () => unknown): Promise<T> {
  // Outside an activity (a script, a unit test) there is nobody to heartbeat to.
  if (!ctx) return work;
  const timer = setInterval(() => ctx.heartbeat(details?.()), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

/**
 * The call was aborted because its activity was cancelled. When this worker is shutting down and
 * its grace time is over, that is a failed attempt (retried on another worker right away);
 * otherwise Temporal cancelled it (the workflow no longer wants it, or it timed out) and the
 * cancellation is reported as such.
 */
function cancellation(reason: unknown, what: string): Error {
  if (reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN') {
    return ApplicationFailure.create({
      message: `${what}: abandoned, the worker shut down before the model answered`,
      type: LLM_TRANSIENT,
    });
  }
  return reason instanceof Error ? reason : new CancelledFailure(String(reason));
}

export const HEARTBEAT_EVERY_MS = 5_000;

/** A completion longer than this (content plus tool-call arguments) is refused as malformed: no
 * agent turn needs 100,000 characters, and it would swell every later request and history. */
export const MAX_COMPLETION_CHARS = 100_000;

function malformed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: LLM_MALFORMED, nonRetryable: true });
}

export interface ChatOptions {
  /** The activity's progress, sent with every keep-alive heartbeat (see withHeartbeat). */
  heartbeatDetails?: () => unknown;
}

const limits = new WeakMap<LlmEndpointConfig, Semaphore>();
const UNLIMITED = { run: <T>(work: () => Promise<T>) => work() };

/** The worker's cap on model calls in flight, shared by every call made with this config. */
function inFlightLimit(cfg: LlmEndpointConfig): Pick<Semaphore, 'run'> {
  if (!cfg.maxInFlight) return UNLIMITED;
  let s = limits.get(cfg);
  if (!s) limits.set(cfg, (s = new Semaphore(cfg.maxInFlight)));
  return s;
}

export async function chatCompletion(
  cfg: LlmEndpointConfig,
  req: ChatRequest,
  what: string,
  opts: ChatOptions = {},
): Promise<{ message: CompletionMessage; usage: Usage }> {
  let raw: unknown;
  const ctx = activityContext();
  // The model name picks the endpoint (a models file's entry, else the default one); the run's
  // own request fields win over the entry's extras.
  const route = routeFor(cfg, req.model);
  const keys = endpointKeys(cfg);
  const given = Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined));
  const body = { ...route.extra, ...given, model: route.model };
  // The activity's cancellation (worker shutdown past its grace time, a cancelled workflow) aborts
  // the HTTP request, so a shutdown is never held up by a slow model.
  const signal = ctx?.cancellationSignal;
  try {
    raw = await withHeartbeat(
      ctx,
      inFlightLimit(cfg).run(() =>
        clientFor(route.endpoint, keys).chat.completions.create(body as never, { signal }),
      ),
      opts.heartbeatDetails,
    );
  } catch (err) {
    if (signal?.aborted) throw cancellation(signal.reason, what);
    throw toTemporalFailure(err, what, keys);
  }
  if (typeof raw === 'string') {
    // The SDK hands back the text of a body that is not typed as JSON (an HTML error page...).
    const start = JSON.stringify(scrubSecrets(raw.slice(0, 60), keys));
    throw malformed(`${what}: malformed completion (the body is text, not JSON: ${start})`);
  }
  const parsed = Completion.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw malformed(`${what}: malformed completion (${i.path.join('.') || 'body'}: ${i.message})`);
  }
  const message = parsed.data.choices[0].message;
  const size =
    (message.content?.length ?? 0) +
    (message.tool_calls ?? []).reduce((n, c) => n + c.function.name.length + c.function.arguments.length, 0);
  if (size > MAX_COMPLETION_CHARS) {
    // It would be repeated in every later request of its branch and in the workflow histories
    // (whose payloads are capped at 2 MB): end the branch here instead.
    throw malformed(
      `${what}: completion too large (${size} characters; at most ${MAX_COMPLETION_CHARS} are accepted)`,
    );
  }
  const u = parsed.data.usage ?? {};
  return {
    message,
    usage: { calls: 1, promptTokens: u.prompt_tokens ?? 0, completionTokens: u.completion_tokens ?? 0 },
  };
}
