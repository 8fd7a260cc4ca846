// Agent strategies: how the canonical agent-visible history becomes a chat-completions request,
// and how a completion's message becomes one canonical action. Pure functions; the LLM activity
// sends the request and hands back `choices[0].message`.
import type { AgentStrategy, ToolSchema } from '../env/types';
import type { Message } from '../shared/messages';
import { buildFunctionCallingRequest, parseFunctionCallingReply } from './functionCalling';
import { buildReactRequest, parseReactReply } from './react';
import type { AgentAction, AgentRequest, ParseOptions } from './types';

export type { AgentAction, AgentRequest, ChatMessage, ChatToolCall, ParseOptions } from './types';
export { PARALLEL_CALL_REJECTED } from './functionCalling';
export { describeToolsAsText } from './react';

export function buildAgentRequest(
  strategy: AgentStrategy,
  systemPrompt: string,
  tools: ToolSchema[],
  history: Message[],
): AgentRequest {
  // react describes the tools inside its system prompt, so the request carries none.
  return strategy === 'react'
    ? buildReactRequest(systemPrompt, history)
    : buildFunctionCallingRequest(systemPrompt, tools, history);
}

export function parseAgentReply(
  strategy: AgentStrategy,
  message: unknown,
  options: ParseOptions = {},
): AgentAction {
  return strategy === 'react'
    ? parseReactReply(message, options)
    : parseFunctionCallingReply(message, options);
}
