// The function-calling strategy (spec 4.8): tools go to the model as OpenAI `tools`, one tool call
// runs per LLM call, and tool results come back as `tool` messages.
import { z } from 'zod';
import type { ToolSchema } from '../env/types';
import { REACT } from './reactMarkers';
import type { Message, ToolCall } from '../shared/messages';
import { derivedCallId } from './callId';
import type { AgentAction, AgentRequest, ChatMessage, ParseOptions } from './types';

export function toChatMessage(m: Message): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return m.toolCalls?.length
        ? {
            role: 'assistant',
            content: m.content,
            tool_calls: m.toolCalls.map((c) => ({
              id: c.id,
              type: 'function' as const,
              function: {
                name: c.name,
                arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
              },
            })),
          }
        : { role: 'assistant', content: m.content ?? '' };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

export function buildFunctionCallingRequest(
  systemPrompt: string,
  tools: ToolSchema[],
  history: Message[],
): AgentRequest {
  return {
    messages: [{ role: 'system', content: systemPrompt }, ...history.map(toChatMessage)],
    tools,
    // JOSH scores one call per LLM call; asking for that keeps most models from batching.
    parallel_tool_calls: false,
  };
}

const CompletionMessage = z.object({
  content: z.string().nullish(),
  tool_calls: z
    .array(
      z.object({
        id: z.string().optional(),
        function: z.object({ name: z.string(), arguments: z.string().nullish() }),
      }),
    )
    .nullish(),
});

/** Arguments as the model sent them: the parsed object, or the raw text when it is not a JSON
 * object (the environment answers that with an error result). Empty text means no arguments. */
function parseArguments(raw: string | null | undefined): Record<string, unknown> | string {
  const text = raw ?? '';
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : text;
  } catch {
    return text;
  }
}

export const PARALLEL_CALL_REJECTED =
  'ERROR: this call was not run: only the first tool call of a reply is executed. Make one call at a time.';

export function parseFunctionCallingReply(message: unknown, options: ParseOptions = {}): AgentAction {
  const parsed = CompletionMessage.safeParse(message);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      message: { role: 'assistant', content: '' },
      feedback: [
        {
          role: 'user',
          content: `${REACT.formatError} the reply could not be read; answer the caller or call a tool.`,
        },
      ],
    };
  }
  const content = parsed.data.content ?? null;
  const calls: ToolCall[] = (parsed.data.tool_calls ?? []).map((c, i) => ({
    id:
      c.id ||
      (i === 0 && options.callId) ||
      derivedCallId(`call${i}`, `${c.function.name}:${c.function.arguments ?? ''}`),
    name: c.function.name,
    arguments: parseArguments(c.function.arguments),
  }));
  if (calls.length > 0) {
    const extra: Message[] = calls
      .slice(1)
      .map((c) => ({ role: 'tool', toolCallId: c.id, name: c.name, content: PARALLEL_CALL_REJECTED }));
    return {
      kind: 'tool',
      call: calls[0],
      message: { role: 'assistant', content: content || null, toolCalls: calls },
      extra,
    };
  }
  if (content && content.trim() !== '') {
    return { kind: 'say', text: content, message: { role: 'assistant', content } };
  }
  return {
    kind: 'invalid',
    message: { role: 'assistant', content: content ?? '' },
    feedback: [
      {
        role: 'user',
        content: `${REACT.formatError} the reply was empty; answer the caller or call a tool.`,
      },
    ],
  };
}
