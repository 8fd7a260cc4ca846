// The OpenAI chat-completions wire format, as far as the simulated model speaks it: request
// schemas (parsed with zod at the HTTP boundary), normalised message shapes for the policies,
// and the response / error bodies the `openai` SDK expects.
import { z } from 'zod';

/** OpenAI takes an explicit null for an optional field as its absence (clients send
 * `"tools": null` for "no tools"): so does this, and a null hashes like an absent field (model.ts). */
function absentWhenNull<T extends z.ZodType>(schema: T) {
  return schema
    .nullable()
    .transform((v) => v ?? undefined)
    .optional();
}

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
/** Message content: a string, an array of text parts (other part types are not supported), or null. */
const Content = z.union([z.string(), z.array(TextPart), z.null()]).optional();

const WireToolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const WireMessage = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: Content, name: z.string().optional() }),
  z.object({ role: z.literal('developer'), content: Content, name: z.string().optional() }),
  z.object({ role: z.literal('user'), content: Content, name: z.string().optional() }),
  z.object({
    role: z.literal('assistant'),
    content: Content,
    tool_calls: absentWhenNull(z.array(WireToolCall)),
    name: z.string().optional(),
  }),
  z.object({ role: z.literal('tool'), content: Content, tool_call_id: z.string() }),
]);

const WireTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

export const ChatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(WireMessage).min(1),
  tools: absentWhenNull(z.array(WireTool)),
  tool_choice: absentWhenNull(ToolChoice),
  temperature: z.number().min(0).max(2).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  n: z.number().int().nullable().optional(),
  stream: z.boolean().nullable().optional(),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;
export type WireMessageT = z.infer<typeof WireMessage>;

/** A message as the policies read it: plain text content, tool calls with raw argument strings. */
export interface Msg {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  toolCallId?: string;
}

function contentText(c: z.infer<typeof Content>): string {
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c.map((p) => p.text).join('');
}

export function normaliseMessages(messages: WireMessageT[]): Msg[] {
  return messages.map((m): Msg => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: contentText(m.content) };
      case 'user':
        return { role: 'user', content: contentText(m.content) };
      case 'assistant':
        return {
          role: 'assistant',
          content: contentText(m.content),
          toolCalls: m.tool_calls?.map((t) => ({
            id: t.id,
            name: t.function.name,
            arguments: t.function.arguments,
          })),
        };
      case 'tool':
        return { role: 'tool', content: contentText(m.content), toolCallId: m.tool_call_id };
    }
  });
}

/** What a policy answers: text and/or one tool call. `finish` is decided by the renderer. */
export interface Completion {
  content: string | null;
  toolCall?: { name: string; arguments: string };
}

export interface ChatResponse {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: string;
  choices: {
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    };
    logprobs: null;
    finish_reason: 'stop' | 'tool_calls' | 'length';
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface ErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
): ErrorBody {
  return { error: { message, type, code, param } };
}
