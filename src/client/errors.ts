// Errors the client API throws for things its caller can fix. They extend the CLI's UserError, so
// `josh runs ...` prints them as one line; services can tell them apart by class.
import { UserError } from '../util/errors';

/** A run or schedule configuration that does not satisfy the run-config schema. */
export class InvalidConfigError extends UserError {
  constructor(
    message: string,
    /** One entry per problem: the field path and what was expected. */
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'InvalidConfigError';
  }
}

/** No harvest/eval (or schedule) with that id, or it is no longer running when it must be. */
export class RunNotFoundError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'RunNotFoundError';
  }
}

/** A control request the run refused, e.g. a concurrency out of range. */
export class RunControlError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'RunControlError';
  }
}

/** The run ended without a result: its workflow failed, was terminated or timed out. */
export class RunFailedError extends Error {
  constructor(
    readonly runId: string,
    readonly status: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunFailedError';
  }
}
