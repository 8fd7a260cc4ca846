// Retry classification for model calls (architecture.md): transient provider errors are retried
// by Temporal with backoff, honouring Retry-After; permanent ones fail fast. The OpenAI client's
// own retries are off, so this is the only retry policy.
import OpenAI from 'openai';
import { ApplicationFailure } from '@temporalio/common';

export const LLM_TRANSIENT = 'LlmTransient';
export const LLM_PERMANENT = 'LlmPermanent';
/** The model answered, but not with a usable completion (no choices, not JSON...). */
export const LLM_MALFORMED = 'LlmMalformed';

const TRANSIENT_STATUS = new Set([408, 409, 429]);

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const raw = headers?.get('retry-after-ms') ?? undefined;
  if (raw && Number.isFinite(Number(raw))) return Number(raw);
  const secs = headers?.get('retry-after');
  if (!secs) return undefined;
  if (Number.isFinite(Number(secs))) return Number(secs) * 1000;
  const at = Date.parse(secs);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export function toTemporalFailure(err: unknown, what: string): ApplicationFailure {
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
      message: `${what}: ${err instanceof OpenAI.APIConnectionTimeoutError ? 'timed out' : 'connection failed'}`,
      type: LLM_TRANSIENT,
    });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    const code = typeof err.code === 'string' ? err.code : undefined;
    const message = `${what}: HTTP ${status}${code ? ` ${code}` : ''}: ${err.message}`;
    if (code === 'context_length_exceeded') {
      return ApplicationFailure.create({ message, type: LLM_PERMANENT, nonRetryable: true });
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
