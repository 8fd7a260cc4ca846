// The canonical conversation records shared by environments, agents, the JOSH core, workflows
// and exporters. Plain JSON-serialisable data (they travel as Temporal payloads); no imports,
// so workflow code may use them.

/** A tool call as the agent made it. `arguments` is the parsed object, or the raw string when
 * the model produced JSON we could not parse (kept so exports and reports show what happened). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown> | string;
}

export type Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

/** One executed tool call with what it returned: the unit the environment scores. */
export interface CallMade {
  name: string;
  arguments: Record<string, unknown>;
  /** What the environment returned (ToolWOZ: the one served search row, or the booking result). */
  returned: unknown;
  /** True when the environment rejected the call (unknown tool, bad parameter, ...). */
  error?: boolean;
}

/** Token usage by role, summed. */
export interface Usage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
}

export interface UsageByRole {
  agent: Usage;
  user: Usage;
}

export const emptyUsage = (): Usage => ({ calls: 0, promptTokens: 0, completionTokens: 0 });
export const emptyUsageByRole = (): UsageByRole => ({ agent: emptyUsage(), user: emptyUsage() });

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    calls: a.calls + b.calls,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}

/** The end marker a user simulator emits to hang up (spec 2, step 6). */
export const END_MARKER = 'END_CONVERSATION';

/** Agent-turn error marker text; SFT export drops paths containing error markers (spec 3). */
export const OUT_OF_CALLS_MESSAGE = 'Error: Agent ran out of retries.';
