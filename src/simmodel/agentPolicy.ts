// The ToolWOZ agent's policy: from the replayed belief (agentState.ts), decide the next LLM call's
// output — a tool call (search with every stated constraint, book with the booking details and
// the place's name or train id) or a message (ask for what is missing, present a result, confirm a
// booking, say goodbye). The error model (errorModel.ts) then perturbs the decision the way a
// sampled LLM would.
import type { DbRow } from '../env/toolwoz/db';
import { type AgentEvent, type Belief, type DomainBelief, trackBelief } from './agentState';
import { applyBookErrors, applySearchErrors, type ErrorContext } from './errorModel';
import {
  BOOK_SLOTS,
  type BookSlot,
  type Domain,
  ENTITY_KEY,
  EMPTY_VALUES,
  type SearchSlot,
  type Slot,
  bookApi,
  isBookable,
  normValue,
  parseApiName,
  searchApi,
} from './ontology';
import { DOMAIN_NOUN, answerRequests, bookingSummary, describeRow, question, titleCase } from './phrases';

export type AgentAction =
  | { kind: 'call'; name: string; arguments: string; thought: string }
  | { kind: 'say'; text: string; thought: string };

/** What one agent decision reads besides the conversation: the world, its PRNG, its error rates. */
export type AgentContext = ErrorContext;

const say = (text: string, thought: string): AgentAction => ({ kind: 'say', text, thought });

/** Slots the agent wants before a first search in a domain (trains need their route and day). */
const REQUIRED: Record<Domain, SearchSlot[]> = {
  restaurant: [],
  hotel: [],
  attraction: [],
  train: ['departure', 'destination', 'day'],
};
/** What to ask about when the caller has given no constraint at all. */
const OPENERS: Record<Domain, Slot[]> = {
  restaurant: ['food', 'area'],
  hotel: ['area', 'pricerange'],
  attraction: ['type', 'area'],
  train: ['departure', 'destination'],
};

function cleanArgs(args: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(args))
    if (v !== undefined && !EMPTY_VALUES.has(normValue(v))) out[k] = v;
  return out;
}

function sameArgs(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const x = cleanArgs(a);
  const y = cleanArgs(b);
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  return kx.every((k) => y[k] !== undefined && normValue(x[k]) === normValue(y[k]));
}

function entityKey(d: Domain, row: DbRow | undefined): string | undefined {
  const v = row?.[ENTITY_KEY[d]];
  return typeof v === 'string' ? v : undefined;
}

function bookingArgs(d: Domain, db: DomainBelief): Record<string, string> {
  const args: Record<string, string> = {};
  for (const s of BOOK_SLOTS[d]) if (db.booking[s]) args[s] = db.booking[s]!;
  const key = entityKey(d, db.offered);
  if (key) args[ENTITY_KEY[d]] = key;
  return args;
}

export function decideAgent(ctx: AgentContext, events: AgentEvent[]): AgentAction {
  const b = trackBelief(ctx.world, events);
  const last = events[events.length - 1];
  if (!last)
    return say('Hello, this is the Cambridge visitor line. How can I help you today?', 'Greet the caller.');
  if (last.kind === 'result') return afterResult(ctx, b, last);
  return planTurn(ctx, b);
}

function afterResult(
  ctx: AgentContext,
  b: Belief,
  last: Extract<AgentEvent, { kind: 'result' }>,
): AgentAction {
  const api = last.call ? parseApiName(last.call.name) : undefined;
  const o = last.outcome;
  if (!api || !last.call?.args || o.kind === 'error') {
    // The call was rejected or unreadable: try again from what the caller said.
    return planTurn(ctx, b);
  }
  const d = api.domain;
  const db = b.domains[d];
  if (o.kind === 'text') return passOn(d, api.kind, db, o.text);
  if (o.kind === 'rows') {
    if (o.rows.length === 0) return noMatch(d, last.call.args);
    const row = o.rows[0];
    if (api.kind === 'search' && isBookable(d) && db.wantsBook && missingBooking(d, db).length === 0) {
      return book(ctx, d, db, 'The caller already gave every booking detail; book it.');
    }
    return present(ctx, b, d, db, row);
  }
  if (o.success) {
    const ref = typeof o.entity.reference === 'string' ? o.entity.reference : '';
    return say(
      `I have booked ${bookingSummary(d, last.call.args)}. Your reference number is ${ref}. Is there anything else I can help you with?`,
      'The booking went through; give the reference number.',
    );
  }
  const retry =
    d === 'hotel'
      ? 'a different day or a shorter stay'
      : d === 'train'
        ? 'a different train'
        : 'a different day or time';
  return say(
    `I'm sorry, I could not book ${bookingSummary(d, last.call.args)}. Would you like to try ${retry}?`,
    'The booking failed; ask the caller for an alternative.',
  );
}

/** The most of a tool's words that one message passes on. */
const MAX_PASSED_ON = 400;

/** A tool answered in words: say them to the caller, as an LLM would, and go on from there. */
function passOn(d: Domain, kind: 'search' | 'book', db: DomainBelief, text: string): AgentAction {
  let words = text.replace(/\s+/g, ' ').trim();
  if (words.length > MAX_PASSED_ON) words = `${words.slice(0, MAX_PASSED_ON - 3).trimEnd()}...`;
  if (!/[.!?]$/.test(words)) words += '.';
  const next =
    kind === 'search' && isBookable(d) && !db.declinedBook
      ? d === 'train'
        ? 'Would you like me to book tickets?'
        : 'Would you like me to book it?'
      : 'Is there anything else I can help you with?';
  return say(`${words} ${next}`, `The ${kind} answered in words; pass them on to the caller.`);
}

function describeConstraints(d: Domain, args: Record<string, string>): string {
  const c = cleanArgs(args);
  const parts: string[] = [];
  if (c.pricerange) parts.push(c.pricerange);
  if (c.food) parts.push(c.food);
  if (d === 'hotel' && c.type) parts.push(c.type);
  else parts.push(d === 'attraction' && c.type ? c.type : d === 'hotel' ? 'place to stay' : d);
  let s = parts.join(' ');
  if (c.name) s = `${d} called ${titleCase(c.name)}`;
  if (c.stars) s += ` with ${c.stars} stars`;
  if (c.parking) s += c.parking === 'yes' ? ' with free parking' : ' without parking';
  if (c.internet) s += c.internet === 'yes' ? ' with free wifi' : ' without internet';
  if (c.area) s += ` in the ${c.area}`;
  if (c.departure) s += ` from ${c.departure}`;
  if (c.destination) s += ` to ${c.destination}`;
  if (c.day) s += ` on ${c.day}`;
  if (c.leaveAt) s += ` leaving after ${c.leaveAt}`;
  if (c.arriveBy) s += ` arriving by ${c.arriveBy}`;
  return s;
}

function noMatch(d: Domain, args: Record<string, string>): AgentAction {
  return say(
    `I'm sorry, there is no ${describeConstraints(d, args)} in my listings. Would you like to try something else?`,
    'The search found nothing; tell the caller and ask what to change.',
  );
}

function missingBooking(d: Domain, db: DomainBelief): BookSlot[] {
  return BOOK_SLOTS[d].filter((s) => !db.booking[s]);
}

function present(ctx: AgentContext, b: Belief, d: Domain, db: DomainBelief, row: DbRow): AgentAction {
  const parts = [describeRow(d, row)];
  const answers = answerRequests(row, b.requests);
  if (answers) parts.push(answers);
  if (isBookable(d) && !db.declinedBook) {
    const missing = missingBooking(d, db);
    if (db.wantsBook && missing.length) parts.push(askBooking(ctx, d, missing));
    else parts.push(d === 'train' ? 'Would you like me to book tickets?' : 'Would you like me to book it?');
  } else parts.push('Is there anything else you would like to know?');
  return say(parts.join(' '), `Present what the search found for the ${DOMAIN_NOUN[d]}.`);
}

function askBooking(ctx: AgentContext, d: Domain, missing: BookSlot[]): string {
  if (missing.length === BOOK_SLOTS[d].length && d === 'restaurant')
    return 'For how many people, on which day and at what time?';
  if (missing.length === BOOK_SLOTS[d].length && d === 'hotel')
    return 'For how many people, starting on which day, and for how many nights?';
  return missing.map((s) => question(d, s, ctx.rng)).join(' ');
}

function book(ctx: AgentContext, d: Domain, db: DomainBelief, thought: string): AgentAction {
  const args = applyBookErrors(ctx, d, db, bookingArgs(d, db));
  return { kind: 'call', name: args.name ?? bookApi(d), arguments: args.json, thought };
}

function search(ctx: AgentContext, d: Domain, db: DomainBelief): AgentAction {
  const perturbed = applySearchErrors(ctx, d, db, cleanArgs(db.constraints));
  if (perturbed.kind === 'ask')
    return say(question(d, perturbed.slot, ctx.rng), 'Ask one more preference before searching.');
  return {
    kind: 'call',
    name: perturbed.name ?? searchApi(d),
    arguments: perturbed.json,
    thought: `Search for a ${DOMAIN_NOUN[d]} with what the caller asked for.`,
  };
}

function planTurn(ctx: AgentContext, b: Belief): AgentAction {
  const d = b.active;
  if (!d) {
    if (b.bye) return say('You are welcome. Goodbye!', 'The caller is done.');
    return say(
      'I can help with restaurants, hotels, attractions and trains. What are you looking for?',
      'Find out what the caller needs.',
    );
  }
  const db = b.domains[d];
  if (b.bye && !b.userSaidSomething)
    return say('Thank you for calling. Have a great day, goodbye!', 'The caller is done; say goodbye.');

  const constraints = cleanArgs(db.constraints);
  const required = REQUIRED[d].filter((s) => !constraints[s] && !db.dontCare.has(s));
  if (required.length)
    return say(
      required
        .slice(0, 2)
        .map((s) => question(d, s, ctx.rng))
        .join(' '),
      'Ask for the details a search needs.',
    );
  if (
    d === 'train' &&
    !constraints.leaveAt &&
    !constraints.arriveBy &&
    !db.dontCare.has('leaveAt') &&
    !db.dontCare.has('arriveBy')
  ) {
    return say(question(d, 'leaveAt', ctx.rng), 'Ask when the caller wants to travel.');
  }
  if (Object.keys(constraints).length === 0 && !db.searched) {
    const open = OPENERS[d].filter((s) => !db.dontCare.has(s));
    if (open.length)
      return say(
        open.map((s) => question(d, s, ctx.rng)).join(' '),
        'Ask what kind of place the caller wants.',
      );
  }
  if (!db.searched || !sameArgs(db.lastSearch, constraints)) return search(ctx, d, db);

  const row = db.offered;
  if (!row) return noMatch(d, constraints);
  if (isBookable(d) && db.wantsBook) {
    const missing = missingBooking(d, db);
    const answers = answerRequests(row, b.requests);
    if (missing.length) {
      if (ctx.rng.chance(ctx.rates.earlyBooking)) return book(ctx, d, db, 'Book now with what I have.');
      return say(
        [answers, askBooking(ctx, d, missing)].filter(Boolean).join(' '),
        'Ask for the missing booking details.',
      );
    }
    const args = bookingArgs(d, db);
    if (!db.booked || !sameArgs(db.booked.args, args))
      return book(ctx, d, db, 'Every booking detail is known; book it.');
    return say(
      [
        answers,
        `Your booking is confirmed; the reference number is ${db.booked.reference}. Is there anything else I can help you with?`,
      ]
        .filter(Boolean)
        .join(' '),
      'Already booked; repeat the reference.',
    );
  }
  const answers = answerRequests(row, b.requests);
  if (answers) {
    const follow =
      isBookable(d) && !db.declinedBook && !db.booked
        ? 'Would you like me to book it?'
        : 'Is there anything else I can help you with?';
    return say(`${answers} ${follow}`, 'Answer the caller’s question from the search result.');
  }
  if (isBookable(d) && !db.declinedBook && !db.booked) return present(ctx, b, d, db, row);
  return say('Is there anything else I can help you with?', 'Nothing left to do for this request.');
}
