// Errors a user can fix (bad config, bad files, unknown ids): the CLI prints their message as one
// line and exits non-zero. Everything else is a bug and keeps its stack.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A file could not be written (disk full, read-only, no permission, a file in the way). Its
 * message names the path and the reason in plain words. Retried in an activity (the disk may be
 * freed); one line and exit 1 in the CLI. */
export class WriteError extends UserError {
  constructor(
    message: string,
    readonly file: string,
    readonly code: string | undefined,
  ) {
    super(message, 1);
    this.name = 'WriteError';
  }
}

/** An unexpected error for a person: its name, its message and its causes' (a Temporal client's
 * "Failed to start Workflow" says why only in its cause, the server's answer), then its stack. */
export function describeUnexpected(err: Error): string {
  const messages = causeChain(err).map((e) => e.message);
  return `${err.name}: ${messages.join(': ')}\n${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
}

/** `err` and the errors it was caused by, outermost first (five at most). */
export function causeChain(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  return chain;
}
