// What a τ-bench domain (retail, airline) provides to the shared core: its tools as specs the core
// can bind arguments to and run against a branch's DB view, and their OpenAI schemas.
import type { DbView } from './db';
import type { PyValue } from './pyjson';

/** A tool's arguments after binding: every declared parameter present (defaults filled in). */
export type ToolArgs = Record<string, PyValue>;

export interface ToolSpec {
  /** The tool class's module-qualified name in τ-bench, e.g.
   * `tau_bench.envs.retail.tools.calculate.Calculate`: Python's argument-binding errors name it. */
  pyClass: string;
  /** Parameters in the order of τ-bench's `invoke` signature (after `data`). */
  params: readonly string[];
  /** Parameters with a default value (optional in the schema), and the default. */
  defaults?: Readonly<Record<string, PyValue>>;
  /** The tool's text, or throws `ToolError` (the agent sees `Error: <message>`). Writes go through
   * `db.mutable(...)`; it must never modify a record obtained with `db.get`. */
  run(db: DbView, args: ToolArgs): string;
  /** τ-bench's terminate tools (`transfer_to_human_agents`): the conversation ends after it. */
  endsConversation?: boolean;
}

export interface TauDomain {
  /** e.g. `retail`; part of the state-cache key. */
  name: string;
  tools: Readonly<Record<string, ToolSpec>>;
  /** DB tables this domain's tools use (checked at load). */
  tables: readonly string[];
}

/** An exception in τ-bench's tool code: the agent sees `Error: <message>`. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** One executed call as the branch recorded it: arguments as the model gave them (an object, or
 * the raw text when it was not a JSON object). */
export interface TauCall {
  name: string;
  arguments: Record<string, unknown> | string;
}

export interface CallOutcome {
  /** The text the agent sees. */
  content: string;
  /** The call failed (an `Error: ...` text or an unknown tool). */
  error: boolean;
  endsConversation?: boolean;
}
