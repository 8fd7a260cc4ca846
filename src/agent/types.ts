// The wire shapes an agent strategy produces and consumes (OpenAI chat completions), and the one
// canonical action every strategy parses a completion into.
import type { ToolSchema } from '../env/types';
import type { Message, ToolCall } from '../shared/messages';

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** The strategy-specific part of a chat-completions request body (the caller adds model, sampling). */
export interface AgentRequest {
  messages: ChatMessage[];
  tools?: ToolSchema[];
  parallel_tool_calls?: boolean;
}

/**
 * One LLM call's outcome, in canonical records:
 * - `tool`: run `call` (via Environment.executeCall), append `message`, then the tool result, then
 *   `extra` (error results answering further parallel calls, which were not run);
 * - `say`: append `message`; `text` is what the user hears; the turn ends;
 * - `invalid`: append `message` and `feedback` (one user-role `FORMAT ERROR:` message); counts as
 *   one of the turn's calls.
 */
export type AgentAction =
  | { kind: 'tool'; call: ToolCall; message: Message; extra: Message[] }
  | { kind: 'say'; text: string; message: Message }
  | { kind: 'invalid'; message: Message; feedback: Message[] };

export interface ParseOptions {
  /** Id for a tool call the model did not name (react always; function calling when missing). */
  callId?: string;
}
