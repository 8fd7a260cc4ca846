// Message conversion for every export format, in one place: canonical `Message` → OpenAI wire
// messages, TRL conversational messages and ShareGPT turns, plus the message predicates the
// filters share (error markers, tool results, equality of completions).
import { REACT } from '../agent/reactMarkers';
import type { Message, ToolCall } from '../shared/messages';

/** Upstream drops SFT paths containing any of these anywhere (spec 3). */
export const ERROR_MARKERS = ['Error:', 'ERROR:', 'FAILURE'] as const;

/** Why a message list cannot be written in a format. */
export type ConversionProblem = 'unparseable tool-call arguments' | 'tool result without a matching call';

export type Converted<T> = { ok: true; messages: T[] } | { ok: false; problem: ConversionProblem };

// ---- OpenAI chat fine-tuning wire format ------------------------------------------------------

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export type OpenAiMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content?: string; tool_calls?: OpenAiToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** OpenAI wants `arguments` as a JSON string; a raw unparseable string is passed on as it is
 * (the wire format allows any string, and the model really did emit it). */
export function toOpenAi(messages: Message[]): Converted<OpenAiMessage> {
  if (hasOrphanToolResult(messages)) return { ok: false, problem: 'tool result without a matching call' };
  return { ok: true, messages: messages.map(openAiMessage) };
}

function openAiMessage(m: Message): OpenAiMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant': {
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: m.content ?? '' };
      const toolCalls = calls.map((c): OpenAiToolCall => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: argumentsText(c) },
      }));
      // OpenAI's own examples omit `content` on a pure tool-call turn; null is not accepted everywhere.
      return m.content === null
        ? { role: 'assistant', tool_calls: toolCalls }
        : { role: 'assistant', content: m.content, tool_calls: toolCalls };
    }
  }
}

// ---- TRL conversational format ----------------------------------------------------------------

export interface TrlToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: Record<string, unknown> };
}

export type TrlMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: TrlToolCall[] }
  | { role: 'tool'; tool_call_id: string; name: string; content: string };

/** TRL (transformers chat templates) wants `arguments` as an object, so a call whose arguments
 * never parsed makes the whole example unusable. Every message keeps a `content` string: TRL
 * recognises conversational data by `role`/`content` keys and many templates cannot render null. */
export function toTrl(messages: Message[]): Converted<TrlMessage> {
  if (hasOrphanToolResult(messages)) return { ok: false, problem: 'tool result without a matching call' };
  if (messages.some(hasUnparseableArguments))
    return { ok: false, problem: 'unparseable tool-call arguments' };
  return { ok: true, messages: messages.map(trlMessage) };
}

function trlMessage(m: Message): TrlMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, name: m.name, content: m.content };
    case 'assistant': {
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: m.content ?? '' };
      return {
        role: 'assistant',
        content: m.content ?? '',
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments as Record<string, unknown> },
        })),
      };
    }
  }
}

// ---- ShareGPT (LLaMA-Factory convention) ------------------------------------------------------

export interface ShareGptTurn {
  from: 'system' | 'human' | 'gpt' | 'function_call' | 'observation';
  value: string;
}

/** LLaMA-Factory's ShareGPT reader requires human/observation and gpt/function_call turns to
 * alternate, so a tool-call turn keeps only its calls (any text beside them is dropped) and the
 * results of one turn's calls become one observation. */
export function toShareGpt(messages: Message[]): Converted<ShareGptTurn> {
  if (hasOrphanToolResult(messages)) return { ok: false, problem: 'tool result without a matching call' };
  if (messages.some(hasUnparseableArguments))
    return { ok: false, problem: 'unparseable tool-call arguments' };
  const turns: ShareGptTurn[] = [];
  for (const m of messages) {
    const turn = shareGptTurn(m);
    const last = turns[turns.length - 1];
    if (turn.from === 'observation' && last?.from === 'observation') last.value += `\n${turn.value}`;
    else turns.push(turn);
  }
  return { ok: true, messages: turns };
}

function shareGptTurn(m: Message): ShareGptTurn {
  switch (m.role) {
    case 'system':
      return { from: 'system', value: m.content };
    case 'user':
      return { from: 'human', value: m.content };
    case 'tool':
      return { from: 'observation', value: m.content };
    case 'assistant': {
      const calls = (m.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments }));
      if (calls.length === 0) return { from: 'gpt', value: m.content ?? '' };
      return { from: 'function_call', value: JSON.stringify(calls.length === 1 ? calls[0] : calls) };
    }
  }
}

// ---- Predicates shared by the filters ---------------------------------------------------------

export function hasErrorMarker(m: Message): boolean {
  const texts = [m.content ?? ''];
  if (m.role === 'assistant') for (const c of m.toolCalls ?? []) texts.push(argumentsText(c));
  return texts.some((t) => ERROR_MARKERS.some((marker) => t.includes(marker)));
}

/** A tool's answer rather than something the user said: a `tool` message, or in the react text
 * protocol a user-role message carrying an API result or a format error. */
export function isToolResult(m: Message): boolean {
  if (m.role === 'tool') return true;
  return (
    m.role === 'user' && (m.content.startsWith(REACT.apiResult) || m.content.startsWith(REACT.formatError))
  );
}

export function withSystem(messages: Message[], systemPrompt: string | null): Message[] {
  return systemPrompt === null ? messages : [{ role: 'system', content: systemPrompt }, ...messages];
}

/** Identity of messages as the model reads them. Tool-call ids are left out: each branch's API
 * call mints its own, so two branches that made the same call at the same point share a prompt,
 * and two turns making the same calls are the same completion. */
export function messagesKey(messages: Message[]): string {
  return JSON.stringify(messages.map(messageParts));
}

export function completionKey(m: Message): string {
  return messagesKey([m]);
}

function messageParts(m: Message): unknown[] {
  switch (m.role) {
    case 'assistant':
      return [m.role, m.content, (m.toolCalls ?? []).map((c) => [c.name, sortedKeys(c.arguments)])];
    case 'tool':
      return [m.role, m.name, m.content];
    default:
      return [m.role, m.content];
  }
}

/** Argument key order is the model's whim, not a different call. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

function argumentsText(c: ToolCall): string {
  return typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments);
}

function hasUnparseableArguments(m: Message): boolean {
  return m.role === 'assistant' && (m.toolCalls ?? []).some((c) => typeof c.arguments === 'string');
}

/** Every tool result must answer a call made earlier in the list (OpenAI rejects files otherwise). */
function hasOrphanToolResult(messages: Message[]): boolean {
  const callIds = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) callIds.add(c.id);
    if (m.role === 'tool' && !callIds.has(m.toolCallId)) return true;
  }
  return false;
}
