// Errors the client API throws for things its caller can fix. They extend the CLI's UserError, so
// `josh runs ...` prints them as one line; services can tell them apart by class.
import type { ConfigDifference } from '../config/settingsDiff';
import { SEARCH_ATTRIBUTES } from '../shared/taskQueues';
import { UserError, causeChain } from '../util/errors';

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

/** One setting in which a requested run differs from the run already recorded under its id. */
export type { ConfigDifference };

/** A run id that already names a run with other settings or another mode: starting it would
 * silently reuse the old run, so it is refused with the fields that differ. */
export class RunConflictError extends UserError {
  constructor(
    readonly runId: string,
    readonly differences: ConfigDifference[],
    /** Fields left out of the comparison because they do not shape the data (e.g. concurrency). */
    readonly ignored: readonly string[],
  ) {
    const shown = differences.map((d) => `${d.field} ${show(d.recorded)} → ${show(d.requested)}`).join(', ');
    super(
      `run ${runId} exists with other settings: ${shown} (recorded → requested${ignored.length ? `; ignored: ${ignored.join(', ')}` : ''}); ` +
        'use another id, or the recorded settings to resume it',
    );
    this.name = 'RunConflictError';
  }
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const ATTRIBUTE_LIST = Object.entries(SEARCH_ATTRIBUTES)
  .map(([name, type]) => `${name} (${type})`)
  .join(', ');

/** The namespace does not know a search attribute josh sets on its workflows (a server josh did
 * not set up: its own dev server and `josh cluster` register them). Nothing was started. */
export class SearchAttributesMissingError extends UserError {
  constructor(
    readonly namespace: string,
    readonly attribute: string,
    serverSaid: string,
  ) {
    super(
      `the Temporal namespace ${namespace} does not know the search attribute ${attribute}, which josh sets on its workflows (the server said: ${serverSaid}); ` +
        `register josh's search attributes there first (deploy/temporal/setup-namespace.sh does, or \`temporal operator search-attribute create\` for each of ${ATTRIBUTE_LIST}); nothing was started`,
    );
    this.name = 'SearchAttributesMissingError';
  }
}

/** The server's words for a search attribute the namespace has not registered (go.temporal.io/
 * server: namespace.go, searchattribute/validator.go, the SQL visibility's query converter). */
const UNKNOWN_ATTRIBUTE = [
  /has no mapping defined for search attribute (\w+)/,
  /search attribute (\w+) is not defined/,
  /column name '(\w+)' is not a valid search attribute/,
];

/** A start or schedule refused for an unregistered search attribute, as a user's error; else null.
 * The client's own error says only "Failed to start Workflow": the server's reason is its cause. */
export function searchAttributeRefusal(err: unknown, namespace: string): SearchAttributesMissingError | null {
  for (const e of causeChain(err)) {
    for (const re of UNKNOWN_ATTRIBUTE) {
      const m = re.exec(e.message);
      if (m)
        return new SearchAttributesMissingError(namespace, m[1], e.message.replace(/^\d+ [A-Z_]+: /, ''));
    }
  }
  return null;
}
