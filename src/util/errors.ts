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
