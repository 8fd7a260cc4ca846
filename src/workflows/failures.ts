// How the workflows tell a model's own failure (it ends one leaf of the search; the search goes
// on, spec 2 step 2) from everything else: a cancellation must cancel, and an infrastructure
// failure (a tool activity out of retries, a bad run input, a model endpoint that stayed
// unreachable through every retry) must fail the conversation where a person sees it.
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';

/** Failure types of a model's own answer (src/llm/errors.ts; not imported, it loads the SDK):
 * a refused request or a malformed completion. Asking again does not change them. */
const MODEL_OWN_FAILURES: ReadonlySet<string> = new Set(['LlmPermanent', 'LlmMalformed']);

/** The message to record on the leaf when `err` is a model's own non-retryable failure, else null. */
export function modelFailureMessage(err: unknown): string | null {
  if (isCancellation(err)) return null;
  if (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    MODEL_OWN_FAILURES.has(err.cause.type ?? '')
  ) {
    return err.cause.message;
  }
  return null;
}

/** One line saying why something failed: the innermost cause's message (a child's failure wraps
 * its activity's, which wraps the application's), at most 300 characters. */
export function failureLine(err: unknown): string {
  let e: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (e instanceof Error && e.cause instanceof Error) {
    e = e.cause;
    if ((e as Error).message) message = (e as Error).message;
  }
  const line = message.split('\n')[0].trim() || 'unknown failure';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
