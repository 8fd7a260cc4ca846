// The agent's reading of a conversation. The model is stateless — every request carries the whole
// history — so each call replays it: the caller's messages become a belief state per domain
// (constraints, booking details, whether it wants to book), the agent's own tool calls and their
// results become what it has searched, offered and booked. Both agent protocols (function calls
// and the react text protocol) are normalised to the same events first.
import type { DbRow } from '../env/toolwoz/db';
import { REACT } from '../env/toolwoz/prompts';
import { type AgentAct, agentAct, userAct } from './acts';
import {
  BOOK_SLOTS,
  type BookSlot,
  type Domain,
  SEARCH_SLOTS,
  type SearchSlot,
  type Slot,
  parseApiName,
} from './ontology';
import { type World, findEntity, scanPhrases, tokens } from './vocab';
import type { Msg } from './wire';

export type ToolOutcome =
  | { kind: 'rows'; rows: DbRow[] }
  | { kind: 'booking'; success: boolean; entity: Record<string, unknown> }
  | { kind: 'error'; text: string }
  /** A result in words (a tool server that answers in prose): passed on as it is. */
  | { kind: 'text'; text: string };

export type AgentEvent =
  | { kind: 'user'; text: string }
  | { kind: 'call'; name: string; args: Record<string, string> | undefined; raw: string }
  | {
      kind: 'result';
      outcome: ToolOutcome;
      call?: { name: string; args: Record<string, string> | undefined };
    }
  | { kind: 'say'; text: string };

/** Turns the request's messages (either protocol) into one event list; system messages are dropped. */
export function toEvents(messages: Msg[], protocol: 'function-calling' | 'react'): AgentEvent[] {
  const events: AgentEvent[] = [];
  const callsById = new Map<string, { name: string; args: Record<string, string> | undefined }>();
  let lastCall: { name: string; args: Record<string, string> | undefined } | undefined;
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      events.push({
        kind: 'result',
        outcome: parseOutcome(m.content),
        call: callsById.get(m.toolCallId ?? '') ?? lastCall,
      });
      continue;
    }
    if (m.role === 'user') {
      const text = m.content.trim();
      if (protocol === 'react' && text.startsWith(REACT.apiResult)) {
        events.push({
          kind: 'result',
          outcome: parseOutcome(text.slice(REACT.apiResult.length)),
          call: lastCall,
        });
      } else if (text.startsWith(REACT.formatError)) {
        // Both strategies answer an unreadable reply with a format error in the user's seat.
        events.push({ kind: 'result', outcome: { kind: 'error', text }, call: lastCall });
      } else events.push({ kind: 'user', text });
      continue;
    }
    // assistant
    if (m.toolCalls && m.toolCalls.length > 0) {
      // One tool call per LLM call (spec 4.8): extra parallel calls are not the agent's intent.
      const t = m.toolCalls[0];
      const call = { name: t.name, args: parseArgs(t.arguments) };
      callsById.set(t.id, call);
      lastCall = call;
      events.push({ kind: 'call', ...call, raw: t.arguments });
      continue;
    }
    if (protocol === 'react') {
      // The first command that acts decides, in either spelling (SAY or upstream's SPEAK).
      const text = m.content.replace(/<COMMAND_END>/g, '');
      const cmd = /^[ \t>*#_-]*(APICALL|SAY|SPEAK)\b[ \t*_]*:?[ \t*_]*(.*)$/m.exec(text);
      if (cmd && cmd[1] === 'APICALL') {
        const raw = text.slice(cmd.index + cmd[0].length - cmd[2].length).trim();
        const parsed = parseReactCall(raw);
        lastCall = parsed ? { name: parsed.name, args: parsed.args } : { name: '', args: undefined };
        events.push({ kind: 'call', name: lastCall.name, args: lastCall.args, raw });
        continue;
      }
      if (cmd) {
        events.push({ kind: 'say', text: text.slice(cmd.index + cmd[0].length - cmd[2].length).trim() });
        continue;
      }
    }
    events.push({ kind: 'say', text: m.content });
  }
  return events;
}

function stringArgs(o: unknown): Record<string, string> | undefined {
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

function parseArgs(s: string): Record<string, string> | undefined {
  try {
    return stringArgs(JSON.parse(s));
  } catch {
    return undefined;
  }
}

function parseReactCall(raw: string): { name: string; args: Record<string, string> | undefined } | undefined {
  const line = raw.split('\n')[0];
  try {
    const o = JSON.parse(line) as { name?: unknown; parameters?: unknown };
    if (typeof o.name !== 'string') return undefined;
    return { name: o.name, args: stringArgs(o.parameters ?? {}) };
  } catch {
    return undefined;
  }
}

/** JSON as Python's `json.dumps` writes it by default: NaN, Infinity and -Infinity (not JSON, but
 * what a Python tool server sends for a float it has no value for) are read as null. */
function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    // Outside strings only: a string is matched whole first and kept as it is.
    return JSON.parse(
      text.replace(/("(?:[^"\\]|\\.)*")|-?\b(?:NaN|Infinity)\b/g, (m, str?: string) => str ?? 'null'),
    );
  }
}

/** A result in words that says the call failed ("ERROR: invalid API call ...", "Error: ..."). */
const ERROR_TEXT = /^\W*(error|exception|traceback)\b/i;

function parseOutcome(content: string): ToolOutcome {
  const text = content.trim();
  let v: unknown;
  try {
    v = parseLenientJson(text);
  } catch {
    // Not JSON: words, read as words (as an LLM reads them), unless they say the call failed.
    return ERROR_TEXT.test(text) ? { kind: 'error', text } : { kind: 'text', text };
  }
  if (Array.isArray(v))
    return { kind: 'rows', rows: v.filter((r): r is DbRow => !!r && typeof r === 'object') };
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('success' in o) {
      const ret = o.return && typeof o.return === 'object' ? (o.return as Record<string, unknown>) : {};
      return { kind: 'booking', success: o.success === true, entity: ret };
    }
    if ('error' in o) return { kind: 'error', text: String(o.error) };
    return { kind: 'rows', rows: [o] };
  }
  // A JSON string, number or boolean: its text.
  const words = typeof v === 'string' ? v.trim() : String(v);
  if (!words || ERROR_TEXT.test(words)) return { kind: 'error', text: words || text };
  return { kind: 'text', text: words };
}

export interface DomainBelief {
  constraints: Partial<Record<SearchSlot, string>>;
  booking: Partial<Record<BookSlot, string>>;
  /** Slots the caller said it does not care about. */
  dontCare: Set<Slot>;
  wantsBook: boolean;
  declinedBook: boolean;
  lastSearch?: Record<string, string>;
  /** The place the last search in this domain served (and the agent presented); undefined = none found. */
  offered?: DbRow;
  searched: boolean;
  /** The last successful booking: its arguments and reference. */
  booked?: { args: Record<string, string>; reference: string };
  lastBookFailed?: Record<string, string>;
}

export interface Belief {
  domains: Record<Domain, DomainBelief>;
  active?: Domain;
  /** Slots the agent asked about in its last message (a "no preference" answers those). */
  lastAsked: Slot[];
  lastAgent?: AgentAct;
  /** Attributes the caller asked about in its last message. */
  requests: string[];
  bye: boolean;
  /** Events since the caller's last message: the current turn's calls and results. */
  turn: AgentEvent[];
  /** The caller's last message said something new (a value, a domain, an intent). */
  userSaidSomething: boolean;
}

function pickSlots<S extends string>(
  args: Record<string, string>,
  slots: readonly S[],
): Partial<Record<S, string>> {
  const out: Partial<Record<S, string>> = {};
  for (const k of slots) if (typeof args[k] === 'string' && args[k] !== '') out[k] = args[k];
  return out;
}

const emptyDomain = (): DomainBelief => ({
  constraints: {},
  booking: {},
  dontCare: new Set(),
  wantsBook: false,
  declinedBook: false,
  searched: false,
});

/** Where a mentioned slot lands in a domain's belief (a clock time is a train's departure time). */
function place(
  d: Domain,
  slot: Slot,
): { kind: 'search'; slot: SearchSlot } | { kind: 'book'; slot: BookSlot } | undefined {
  if (d === 'train' && slot === 'time') return { kind: 'search', slot: 'leaveAt' };
  if (d === 'restaurant' && (slot === 'leaveAt' || slot === 'arriveBy'))
    return { kind: 'book', slot: 'time' };
  if ((SEARCH_SLOTS[d] as readonly string[]).includes(slot))
    return { kind: 'search', slot: slot as SearchSlot };
  if ((BOOK_SLOTS[d] as readonly string[]).includes(slot)) return { kind: 'book', slot: slot as BookSlot };
  return undefined;
}

export function trackBelief(world: World, events: AgentEvent[]): Belief {
  const b: Belief = {
    domains: {
      restaurant: emptyDomain(),
      hotel: emptyDomain(),
      attraction: emptyDomain(),
      train: emptyDomain(),
    },
    lastAsked: [],
    requests: [],
    bye: false,
    turn: [],
    userSaidSomething: false,
  };
  let lastCallDomain: { kind: 'search' | 'book'; domain: Domain; args: Record<string, string> } | undefined;
  for (const e of events) {
    if (e.kind === 'user') {
      readUserMessage(world, b, e.text);
      b.turn = [];
      continue;
    }
    b.turn.push(e);
    if (e.kind === 'say') {
      const act = agentAct(world, e.text);
      b.lastAgent = act;
      b.lastAsked = act.asks;
      continue;
    }
    if (e.kind === 'call') {
      const api = parseApiName(e.name);
      lastCallDomain = api && e.args ? { ...api, args: e.args } : undefined;
      continue;
    }
    // A result: what the agent now knows.
    if (!lastCallDomain) continue;
    const db = b.domains[lastCallDomain.domain];
    const own = lastCallDomain.domain === b.active;
    if (lastCallDomain.kind === 'search' && e.outcome.kind === 'rows') {
      db.lastSearch = lastCallDomain.args;
      db.searched = true;
      db.offered = e.outcome.rows[0];
      // Like an LLM copying its previous call, the agent anchors on the arguments it used: a value
      // it got wrong or left out stays so until the caller says that slot again.
      if (own) db.constraints = pickSlots(lastCallDomain.args, SEARCH_SLOTS[lastCallDomain.domain]);
    } else if (lastCallDomain.kind === 'search' && e.outcome.kind === 'text') {
      // Words from the search: the place they name (if any) is the one on offer.
      db.lastSearch = lastCallDomain.args;
      db.searched = true;
      db.offered = namedEntity(world, lastCallDomain.domain, e.outcome.text);
      if (own) db.constraints = pickSlots(lastCallDomain.args, SEARCH_SLOTS[lastCallDomain.domain]);
    } else if (lastCallDomain.kind === 'book' && e.outcome.kind === 'booking') {
      if (own) db.booking = pickSlots(lastCallDomain.args, BOOK_SLOTS[lastCallDomain.domain]);
      if (e.outcome.success) {
        const ref = e.outcome.entity.reference;
        db.booked = { args: lastCallDomain.args, reference: typeof ref === 'string' ? ref : '' };
        db.lastBookFailed = undefined;
      } else db.lastBookFailed = lastCallDomain.args;
    }
    lastCallDomain = undefined;
  }
  return b;
}

/** The first place (or train id) of `domain` that `text` names. */
function namedEntity(world: World, domain: Domain, text: string): DbRow | undefined {
  if (domain === 'train') {
    const id = /\bTR\d{4}\b/i.exec(text)?.[0];
    return id ? findEntity(world, domain, id) : undefined;
  }
  const hit = scanPhrases(world, tokens(text)).find((h) => h.lex.kind === 'name' && h.lex.domain === domain);
  return hit && hit.lex.kind === 'name' ? findEntity(world, domain, hit.lex.value) : undefined;
}

function readUserMessage(world: World, b: Belief, text: string): void {
  const act = userAct(world, text);
  b.requests = act.requests;
  b.bye = act.bye;
  // The message's domain: the last one it signals, else the one we were on.
  const signalled = act.domainSignals.length
    ? act.domainSignals[act.domainSignals.length - 1].domain
    : undefined;
  const before = b.active;
  if (signalled) b.active = signalled;
  let said = signalled !== undefined && signalled !== before;
  for (const m of act.values) {
    // A value belongs to the domain it implies, else the nearest domain word before it, else the active one.
    let d = m.domain;
    if (!d) {
      const prev = act.domainSignals.filter((s) => s.pos <= m.pos).pop();
      d = prev?.domain ?? b.active;
    }
    if (!d) continue;
    const db = b.domains[d];
    if (
      m.slot === 'name' &&
      db.offered &&
      typeof db.offered.name === 'string' &&
      db.offered.name.toLowerCase() === m.value
    ) {
      continue; // choosing the place on offer, not a new search
    }
    if (m.slot === 'trainID') continue;
    const p = place(d, m.slot);
    if (!p) continue;
    if (p.kind === 'search') {
      if (m.slot === 'name' && db.constraints.name !== m.value) {
        // Asking for a particular place: earlier descriptive constraints no longer apply.
        db.constraints = {};
      }
      db.constraints[p.slot] = m.value;
    } else db.booking[p.slot] = m.value;
    db.dontCare.delete(p.slot);
    said = true;
    if (!b.active) b.active = d;
  }
  const cur = b.active ? b.domains[b.active] : undefined;
  if (cur) {
    if (act.dontCare) for (const s of b.lastAsked) cur.dontCare.add(s);
    const offeredBooking = b.lastAgent?.offerBook ?? false;
    if (act.bookIntent || (act.affirm && offeredBooking && act.requests.length === 0)) {
      cur.wantsBook = true;
      cur.declinedBook = false;
      said = true;
    } else if (act.noBooking || (act.deny && offeredBooking)) {
      cur.declinedBook = true;
      cur.wantsBook = false;
    }
  }
  b.userSaidSomething = said || act.requests.length > 0 || act.dontCare;
}
