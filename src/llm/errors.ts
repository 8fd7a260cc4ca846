// Retry classification for model calls (architecture.md): transient provider errors are retried
// by Temporal with backoff, honouring Retry-After; permanent ones fail fast. The OpenAI client's
// own retries are off, so this is the only retry policy.
import OpenAI from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import { scrubSecrets } from './endpoint';

export const LLM_TRANSIENT = 'LlmTransient';
export const LLM_PERMANENT = 'LlmPermanent';
/** The model answered, but not with a usable completion (no choices, not JSON...). */
export const LLM_MALFORMED = 'LlmMalformed';
/** The endpoint refuses everyone on this configuration (a bad key, no access, no such model or
 * path): not the model's answer to this request. It fails the conversation instead of pruning a
 * branch, so a run with a wrong key fails (and says why) rather than "finishing" with nothing;
 * asking again does not help, and a rerun of the id after the fix runs those conversations. */
export const LLM_ENDPOINT_REFUSED = 'LlmEndpointRefused';

const TRANSIENT_STATUS = new Set([408, 409, 429]);
const ENDPOINT_REFUSED_STATUS = new Set([401, 403, 404]);

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const raw = headers?.get('retry-after-ms') ?? undefined;
  if (raw && Number.isFinite(Number(raw))) return Number(raw);
  const secs = headers?.get('retry-after');
  if (!secs) return undefined;
  if (Number.isFinite(Number(secs))) return Number(secs) * 1000;
  const at = Date.parse(secs);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Where and why a connection failed, from the system error under the SDK's ("Connection error."
 * → "connection refused at 127.0.0.1:8000"), so a run that retries says what to fix. */
function connectionFailure(err: Error): string {
  for (let e: unknown = err.cause, i = 0; e instanceof Error && i < 4; e = e.cause, i++) {
    const s = e as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
    const where = s.address ? `${s.address}${s.port ? `:${s.port}` : ''}` : (s.hostname ?? '');
    if (s.code === 'ECONNREFUSED') return `connection refused at ${where || 'the model endpoint'}`;
    if (s.code === 'ENOTFOUND' || s.code === 'EAI_AGAIN') return `host name not found: ${where}`;
    if (s.code) return `connection failed (${s.code}${where ? ` ${where}` : ''})`;
  }
  return 'connection failed';
}

/**
 * The Temporal failure for a failed model call. Its message is scrubbed of secrets (`keys`, the
 * configured API key, and anything key-like: a provider's 401 echoes the key masked) before the
 * failure is made, so neither its message nor its stack carries them into histories, result
 * files, logs or reports.
 */
export function toTemporalFailure(
  err: unknown,
  what: string,
  keys: readonly string[] = [],
): ApplicationFailure {
  const failure = classify(err, what);
  const message = scrubSecrets(failure.message, keys);
  if (message === failure.message) return failure;
  // Made anew: the stack of the first one holds the message as it was.
  return ApplicationFailure.create({
    message,
    type: failure.type ?? undefined,
    nonRetryable: failure.nonRetryable ?? undefined,
    nextRetryDelay: failure.nextRetryDelay ?? undefined,
    details: failure.details ?? undefined,
  });
}

function classify(err: unknown, what: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  // The SDK parses a JSON-typed body; a 200 whose body is not JSON is not a completion, and
  // asking again does not make it one.
  if (err instanceof SyntaxError) {
    return ApplicationFailure.create({
      message: `${what}: malformed completion (the body is not JSON: ${err.message})`,
      type: LLM_MALFORMED,
      nonRetryable: true,
    });
  }
  if (err instanceof OpenAI.APIConnectionTimeoutError || err instanceof OpenAI.APIConnectionError) {
    return ApplicationFailure.create({
      message: `${what}: ${err instanceof OpenAI.APIConnectionTimeoutError ? 'timed out' : connectionFailure(err)}`,
      type: LLM_TRANSIENT,
    });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const code = typeof err.code === 'string' ? err.code : undefined;
    // The SDK's message starts with the status again ("401 Incorrect API key provided: ...").
    const said = err.message.startsWith(`${status} `) ? err.message.slice(`${status} `.length) : err.message;
    const message = `${what}: HTTP ${status}${code ? ` ${code}` : ''}: ${said}`;
    if (code === 'context_length_exceeded') {
      return ApplicationFailure.create({ message, type: LLM_PERMANENT, nonRetryable: true });
    }
    if (ENDPOINT_REFUSED_STATUS.has(status)) {
      return ApplicationFailure.create({ message, type: LLM_ENDPOINT_REFUSED, nonRetryable: true });
    }
    if (TRANSIENT_STATUS.has(status) || status >= 500) {
      const delay = retryAfterMs(err.headers as Headers | undefined);
      return ApplicationFailure.create({
        message,
        type: LLM_TRANSIENT,
        nextRetryDelay: delay !== undefined ? Math.min(delay, 120_000) : undefined,
      });
    }
    return ApplicationFailure.create({ message, type: LLM_PERMANENT, nonRetryable: true });
  }
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  return ApplicationFailure.create({ message, type: LLM_TRANSIENT });
}
