// The react strategy (spec 4.8): a text protocol. Each reply is a THOUGHT and then exactly one
// command, `APICALL: {"name", "parameters"}` or `SAY: <text>`; tool results return as user
// messages `APIRESULT: <json>`; unreadable replies get a `FORMAT ERROR:` user message. Upstream's
// spelling of the same protocol (PLAN / SPEAK, `<COMMAND_END>`) is read too, so its prompt works.
import type { ToolSchema } from '../env/types';
import { REACT } from './reactMarkers';
import type { Message, ToolCall } from '../shared/messages';
import { derivedCallId } from './callId';
import type { AgentAction, AgentRequest, ChatMessage, ParseOptions } from './types';

const keyword = (marker: string): string => marker.replace(/:$/, '');
const THOUGHT = keyword(REACT.thought);
const APICALL = keyword(REACT.apiCall);
const SAY = keyword(REACT.say);
const SYNONYMS: Record<string, string> = { PLAN: THOUGHT, SPEAK: SAY };

// A command starts a line (markdown bullets/bold tolerated) and may omit its colon.
const COMMAND = new RegExp(
  `^[ \\t>*#_-]*(${[THOUGHT, APICALL, SAY, ...Object.keys(SYNONYMS)].join('|')})\\b[ \\t*_]*:?[ \\t*_]*`,
  'gm',
);

function callAsText(call: ToolCall): string {
  const parameters = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
  return `${REACT.apiCall} {"name": ${JSON.stringify(call.name)}, "parameters": ${parameters}}`;
}

function toReactMessage(m: Message): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      // A react call keeps the model's own text; a call recorded by another strategy is spelled out.
      return { role: 'assistant', content: m.content ?? (m.toolCalls ?? []).map(callAsText).join('\n') };
    case 'tool':
      return { role: 'user', content: `${REACT.apiResult} ${m.content}` };
  }
}

export function buildReactRequest(systemPrompt: string, history: Message[]): AgentRequest {
  return { messages: [{ role: 'system', content: systemPrompt }, ...history.map(toReactMessage)] };
}

/** The tools as the react prompt lists them (its {tools} placeholder): one line per API. */
export function describeToolsAsText(tools: ToolSchema[]): string {
  return tools
    .map((t) => {
      const props = (t.function.parameters.properties ?? {}) as Record<
        string,
        { description?: string; enum?: string[] }
      >;
      const params = Object.entries(props).map(([name, p]) => {
        const notes = [p.enum ? `one of: ${p.enum.join(', ')}` : '', p.description ?? '']
          .filter(Boolean)
          .join('; ');
        return notes ? `${name} (${notes})` : name;
      });
      const description = t.function.description ? ` ${t.function.description}.` : '';
      return `- ${t.function.name}:${description} Parameters: ${params.length ? params.join(', ') : 'none'}.`;
    })
    .join('\n');
}

/** The first balanced {...} in text (string-aware), or undefined. */
function firstJsonObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

const FORMAT_HINT = `Reply with a ${REACT.thought} line and then exactly one ${REACT.apiCall} {"name": "<api name>", "parameters": {...}} line or one ${REACT.say} <message> line.`;

function invalid(text: string, problem: string): AgentAction {
  return {
    kind: 'invalid',
    message: { role: 'assistant', content: text },
    feedback: [{ role: 'user', content: `${REACT.formatError} ${problem} ${FORMAT_HINT}` }],
  };
}

/** Parse an APICALL body into a call; a reason string when it is not one. */
function parseApiCall(body: string, id: string): ToolCall | string {
  const json = firstJsonObject(body);
  if (!json) return `the ${REACT.apiCall} line has no JSON object.`;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return `the ${REACT.apiCall} body is not valid JSON (${(e as Error).message}).`;
  }
  const call = value as { name?: unknown; parameters?: unknown };
  if (typeof call.name !== 'string' || call.name === '')
    return `the ${REACT.apiCall} body has no "name" string.`;
  const params = call.parameters ?? {};
  // Non-object parameters stay raw text for the environment to reject, as function calling does.
  const args =
    typeof params === 'object' && params !== null && !Array.isArray(params)
      ? (params as Record<string, unknown>)
      : JSON.stringify(params);
  return { id, name: call.name, arguments: args };
}

export function parseReactReply(message: unknown, options: ParseOptions = {}): AgentAction {
  const raw = (message as { content?: unknown } | null)?.content;
  const text = typeof raw === 'string' ? raw : '';
  const normalized = text.replace(/<COMMAND_END>/g, '\n');
  const commands = [...normalized.matchAll(COMMAND)].map((m, i, all) => ({
    name: SYNONYMS[m[1]] ?? m[1],
    body: normalized.slice(m.index + m[0].length, i + 1 < all.length ? all[i + 1].index : undefined).trim(),
  }));
  // The first command that acts decides the reply; anything after it (a hallucinated result) is ignored.
  const action = commands.find((c) => c.name === APICALL || c.name === SAY);
  if (!action) return invalid(text, `the reply has no ${REACT.apiCall} or ${REACT.say} line.`);
  if (action.name === SAY) {
    const said = action.body.replace(/[*_\s]+$/, '').trim();
    if (said === '') return invalid(text, `the ${REACT.say} line is empty.`);
    return { kind: 'say', text: said, message: { role: 'assistant', content: text } };
  }
  const call = parseApiCall(action.body, options.callId ?? derivedCallId('react', text));
  if (typeof call === 'string') return invalid(text, call);
  return { kind: 'tool', call, message: { role: 'assistant', content: text, toolCalls: [call] }, extra: [] };
}
