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
