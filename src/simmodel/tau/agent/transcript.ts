// The τ agent's reading of its request. The model is stateless — every request carries the whole
// conversation — so each call replays it: what the customer wrote, which tools the agent called
// with which arguments, what they returned, what the agent said. Both protocols (function calls
// and the react text protocol) are normalised to the same events first. Nothing here reads the
// customer's scenario: the agent's request does not contain it.
import { REACT } from '../../../agent/reactMarkers';
import { OUT_OF_CALLS_MESSAGE } from '../../../shared/messages';
import type { Msg } from '../../wire';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Args = Record<string, Json>;

export type TauEvent =
  | { kind: 'customer'; text: string }
  | { kind: 'call'; name: string; args: Args | undefined }
  | { kind: 'result'; text: string; call?: { name: string; args: Args | undefined } }
  | { kind: 'say'; text: string };

function parseArgs(raw: string): Args | undefined {
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Args) : undefined;
  } catch {
    return undefined;
  }
}

/** One react reply: its APICALL (name + parameters) or its SAY text. */
function readReact(content: string): TauEvent | undefined {
  const text = content.replace(/<COMMAND_END>/g, '');
  const cmd = /^[ \t>*#_-]*(APICALL|SAY|SPEAK)\b[ \t*_]*:?[ \t*_]*([\s\S]*)$/m.exec(text);
  if (!cmd) return undefined;
  if (cmd[1] !== 'APICALL') return { kind: 'say', text: cmd[2].trim() };
  const body = parseArgs(cmd[2].trim());
  const name = typeof body?.name === 'string' ? body.name : '';
  const params = body?.parameters;
  return {
    kind: 'call',
    name,
    args: params && typeof params === 'object' && !Array.isArray(params) ? params : undefined,
  };
}

export function toTauEvents(messages: Msg[], protocol: 'function-calling' | 'react'): TauEvent[] {
  const events: TauEvent[] = [];
  const byId = new Map<string, { name: string; args: Args | undefined }>();
  let last: { name: string; args: Args | undefined } | undefined;
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      events.push({ kind: 'result', text: m.content, call: byId.get(m.toolCallId ?? '') ?? last });
      continue;
    }
    if (m.role === 'user') {
      const text = m.content.trim();
      if (text.startsWith(REACT.apiResult))
        events.push({ kind: 'result', text: text.slice(REACT.apiResult.length).trim(), call: last });
      else if (text.startsWith(REACT.formatError))
        events.push({ kind: 'result', text: `Error: ${text}`, call: last });
      else events.push({ kind: 'customer', text });
      continue;
    }
    if (m.toolCalls?.length) {
      const t = m.toolCalls[0];
      last = { name: t.name, args: parseArgs(t.arguments) };
      byId.set(t.id, last);
      events.push({ kind: 'call', ...last });
      continue;
    }
    if (m.content.trim() === OUT_OF_CALLS_MESSAGE) continue;
    const ev = protocol === 'react' ? readReact(m.content) : { kind: 'say' as const, text: m.content };
    if (!ev) continue;
    if (ev.kind === 'call') last = { name: ev.name, args: ev.args };
    events.push(ev);
  }
  return events;
}

/** Tool calls made since the customer last wrote (the agent keeps a reply to a few lookups). */
export function callsSinceCustomer(events: TauEvent[]): number {
  let n = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'customer' || e.kind === 'say') break;
    if (e.kind === 'call') n += 1;
  }
  return n;
}

export function isErrorResult(text: string): boolean {
  return /^(Error\b|Unknown action\b)/.test(text.trim());
}

export function parseJsonResult(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

// Lenient readers of a tool result's JSON: a field of another type reads as absent.
export const obj = (v: Json | undefined): Record<string, Json> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
export const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
export const num = (v: Json | undefined): number => (typeof v === 'number' ? v : 0);
export const arr = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

export interface ToolResultSeen {
  name: string;
  args: Args | undefined;
  text: string;
  failed: boolean;
  /** The result as JSON, when it is JSON and not an error. */
  value: Json | undefined;
  /** Its index in the events. */
  at: number;
}

/** Every tool result of the conversation with the call it answers. */
export function toolResults(events: TauEvent[]): ToolResultSeen[] {
  return events.flatMap((e, at) => {
    if (e.kind !== 'result' || !e.call) return [];
    const failed = isErrorResult(e.text);
    return [{ ...e.call, text: e.text, failed, value: failed ? undefined : parseJsonResult(e.text), at }];
  });
}
