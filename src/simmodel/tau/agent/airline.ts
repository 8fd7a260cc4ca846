// The airline agent's procedure, after the policy: get the user id and the profile, the reservation
// (its id, or among the user's reservations the one whose airports the customer names), then one
// of the changes it can make — cancel (only when the policy's rules allow it), add checked bags,
// change the cabin — stated with every detail and done after an explicit yes. Anything else is
// declined politely. Errors as in retail: a wrong reservation, a wrong payment method, acting
// before confirmation, a transfer too early, no final write, malformed arguments.
import { ANYTHING_ELSE, type Decision, call, confirmOrAct, say } from './actions';
import type { TauAgentContext } from './context';
import {
  type Args,
  type Json,
  type TauEvent,
  arr,
  callsSinceCustomer,
  isErrorResult,
  obj,
  str,
  toolResults,
} from './transcript';
import { isClosing, sentences } from './understand';

const NOW = '2024-05-15T15:00:00'; // the policy's "current time"
const MAX_CALLS_PER_REPLY = 2;

export const ASK_USER_ID = 'Before I can help, I need to verify your identity. Please tell me your user id.';

type Cabin = 'basic_economy' | 'economy' | 'business';
type Intent = 'cancel' | 'bags' | 'cabin';

interface Reservation {
  id: string;
  origin: string;
  destination: string;
  cabin: Cabin;
  flights: { flight_number: string; date: string }[];
  passengers: number;
  createdAt: string;
  totalBags: number;
  insurance: boolean;
  paymentIds: string[];
}

interface Profile {
  userId: string;
  membership: string;
  reservations: string[];
  payments: { id: string; source: string; last_four?: string }[];
}

function readReservation(v: Json | undefined): Reservation | undefined {
  const r = obj(v);
  if (!r || typeof r.reservation_id !== 'string') return undefined;
  return {
    id: r.reservation_id,
    origin: str(r.origin),
    destination: str(r.destination),
    cabin: str(r.cabin) as Cabin,
    flights: arr(r.flights).map((f) => ({
      flight_number: str(obj(f)?.flight_number),
      date: str(obj(f)?.date),
    })),
    passengers: arr(r.passengers).length,
    createdAt: str(r.created_at),
    totalBags: typeof r.total_baggages === 'number' ? r.total_baggages : 0,
    insurance: r.insurance === 'yes',
    paymentIds: arr(r.payment_history).map((p) => str(obj(p)?.payment_id)),
  };
}

function readProfile(userId: string, v: Json | undefined): Profile | undefined {
  const u = obj(v);
  if (!u) return undefined;
  return {
    userId,
    membership: str(u.membership) || 'regular',
    reservations: arr(u.reservations).map(str),
    payments: Object.values(obj(u.payment_methods) ?? {}).map((p) => ({
      id: str(obj(p)?.id),
      source: str(obj(p)?.source),
      last_four: str(obj(p)?.last_four) || undefined,
    })),
  };
}

interface Knowledge {
  profile?: Profile;
  triedUsers: Set<string>;
  reservations: Map<string, Reservation>;
  lookups: { id: string; at: number }[];
  writes: { name: string; args: Args; ok: boolean; text: string; at: number }[];
  transferred: boolean;
}

const WRITES = new Set(['cancel_reservation', 'update_reservation_baggages', 'update_reservation_flights']);

function knowledge(events: TauEvent[]): Knowledge {
  const k: Knowledge = {
    triedUsers: new Set(),
    reservations: new Map(),
    lookups: [],
    writes: [],
    transferred: false,
  };
  for (const { name, args, text, failed, value, at } of toolResults(events)) {
    if (name === 'get_user_details') {
      k.triedUsers.add(str(args?.user_id));
      const p = readProfile(str(args?.user_id), value);
      if (p) k.profile = p;
    } else if (name === 'get_reservation_details') {
      const r = readReservation(value);
      if (r) k.reservations.set(r.id, r);
      k.lookups.push({ id: str(args?.reservation_id), at });
    } else if (name === 'transfer_to_human_agents') k.transferred = true;
    else if (WRITES.has(name)) {
      k.writes.push({ name, args: args ?? {}, ok: !failed, text, at });
      const r = readReservation(value);
      // The flights update returns the record with its old cabin: the agent knows what it set.
      if (r && name === 'update_reservation_flights' && typeof args?.cabin === 'string')
        r.cabin = args.cabin as Cabin;
      if (r) k.reservations.set(r.id, r);
    }
  }
  return k;
}

const USER_ID = /\b[a-z]+_[a-z]+_\d{4}\b/g;
const RES_ID = /\b(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{6}\b/g;

function latest(texts: string[], re: RegExp): string | undefined {
  let out: string | undefined;
  for (const t of texts) for (const m of t.matchAll(re)) out = m[0];
  return out;
}

function intentsOf(text: string): Intent[] {
  const out: { i: Intent; at: number }[] = [];
  for (const s of sentences(text.toLowerCase())) {
    const c = /\bcancel/.exec(s);
    if (c) out.push({ i: 'cancel', at: c.index });
    const b = /\b(bag|bags|baggage|baggages|luggage|suitcase)/.exec(s);
    if (b) out.push({ i: 'bags', at: b.index });
    const u = /\b(upgrade|downgrade|cabin|(change|switch|move).{0,30}\b(business|economy))/.exec(s);
    if (u) out.push({ i: 'cabin', at: u.index });
  }
  return [...new Set(out.sort((a, b) => a.at - b.at).map((x) => x.i))];
}

function wantedCabin(texts: string[]): Cabin | undefined {
  let out: Cabin | undefined;
  for (const t of texts)
    for (const m of t.toLowerCase().matchAll(/\b(basic economy|economy|business)\b/g))
      out = m[1] === 'basic economy' ? 'basic_economy' : (m[1] as Cabin);
  return out;
}

const NUMBER: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 };

function bagWish(texts: string[]): { n: number; total: boolean } | undefined {
  let out: { n: number; total: boolean } | undefined;
  for (const t of texts)
    for (const m of t
      .toLowerCase()
      .matchAll(
        /\b(\d|one|two|three|four|five|six)\s+(?:more |extra |additional |checked |total )*(?:bags|bag|baggages|suitcases|pieces)\b/g,
      )) {
      const n = NUMBER[m[1]] ?? Number(m[1]);
      out = { n, total: /\b(total|in all|altogether)\b/.test(t.toLowerCase()) };
    }
  return out;
}

const FREE_BAGS: Record<string, Record<Cabin, number>> = {
  regular: { basic_economy: 0, economy: 1, business: 2 },
  silver: { basic_economy: 1, economy: 2, business: 3 },
  gold: { basic_economy: 2, economy: 3, business: 3 },
};

function paymentFor(texts: string[], p: Profile, r: Reservation): string | undefined {
  const id = latest(texts, /\b(?:credit_card|gift_card|certificate)_\d+\b/g);
  if (id) return id;
  const t = texts.join('\n').toLowerCase();
  const four = /\b(?:ending|ends|last four)\D{0,12}(\d{4})\b|\b(\d{4}) card\b/.exec(t);
  if (four) return p.payments.find((x) => x.last_four === (four[1] ?? four[2]))?.id;
  const src = /gift ?card/.test(t) ? 'gift_card' : /credit ?card/.test(t) ? 'credit_card' : undefined;
  if (src) {
    const of = p.payments.filter((x) => x.source === src);
    return of.length === 1 ? of[0].id : undefined;
  }
  if (/\b(original|same) (payment|method|card)/.test(t)) return r.paymentIds[0];
  return undefined;
}

function cancelAllowed(r: Reservation, texts: string[]): string | undefined {
  const t = texts.join('\n').toLowerCase();
  const created = Date.parse(`${r.createdAt}Z`);
  const now = Date.parse(`${NOW}Z`);
  if (now - created <= 24 * 3600 * 1000) return undefined;
  if (/airline cancel|flight (was|got|has been) cancel/.test(t)) return undefined;
  if (r.cabin === 'business') return undefined;
  if (r.insurance && /\b(health|sick|ill|unwell|weather|medical)\b/.test(t)) return undefined;
  return `it was booked more than 24 hours ago, in ${r.cabin.replace('_', ' ')}, and ${r.insurance ? 'the reason is not covered by the travel insurance' : 'without travel insurance'}`;
}

function cancelReasonGiven(texts: string[]): boolean {
  return /\b(change of plans?|plans? changed|airline cancel|cancelled|health|sick|ill|unwell|weather|medical|no longer|don't need|other reason|personal)\b/i.test(
    texts.join('\n'),
  );
}

/** One reply of the airline agent. */
export function decideAirline(ctx: TauAgentContext, events: TauEvent[]): Decision {
  const k = knowledge(events);
  const texts = events.flatMap((e) => (e.kind === 'customer' ? [e.text] : []));
  const last = events[events.length - 1];
  if (last?.kind === 'result' && last.call) {
    if (last.call.name === 'transfer_to_human_agents')
      return say('I have transferred you to a human agent. They will contact you shortly.', 'Handed over.');
    const w = k.writes[k.writes.length - 1];
    if (w && w.at === events.length - 1)
      return w.ok
        ? say(
            `Done: reservation ${String(w.args.reservation_id)} is updated. ${ANYTHING_ELSE}`,
            'Tell the outcome.',
          )
        : say(
            `Sorry, I could not do that: ${w.text.replace(/^Error:\s*/, '')}. ${ANYTHING_ELSE}`,
            'The change failed.',
          );
    if (last.call.name === 'get_reservation_details' && isErrorResult(last.text))
      return say('I could not find that reservation. Could you check the reservation id?', 'Lookup failed.');
  }
  const budget = callsSinceCustomer(events) < MAX_CALLS_PER_REPLY;
  const lookup = (name: string, args: Args, thought: string, stall: string): Decision =>
    budget ? call(name, args, thought) : say(stall, 'Check in with the customer.');

  if (!k.profile) {
    const uid = latest(texts, USER_ID);
    if (uid && !k.triedUsers.has(uid))
      return lookup('get_user_details', { user_id: uid }, 'Get the user profile.', ASK_USER_ID);
    return say(
      uid ? 'I could not find that user id. Could you check it?' : ASK_USER_ID,
      'I need the user id first.',
    );
  }
  const p = k.profile;
  // Intents, each done once: the write tool of each that succeeded.
  const intents = [...new Set(texts.flatMap(intentsOf))];
  const done = (i: Intent): boolean =>
    k.writes.some(
      (w) =>
        w.ok &&
        w.name ===
          (i === 'cancel'
            ? 'cancel_reservation'
            : i === 'bags'
              ? 'update_reservation_baggages'
              : 'update_reservation_flights'),
    );
  const refusedCancel = events.some((e) => e.kind === 'say' && e.text.includes('cannot be cancelled'));
  const intent = intents.find((i) => !done(i) && !(i === 'cancel' && refusedCancel));
  if (!intent) {
    if (intents.length && isClosing(texts[texts.length - 1] ?? ''))
      return say("You're welcome. Have a great day!", 'Done.');
    if (intents.length === 0 && /\b(book|new reservation|fly to|flight to)\b/i.test(texts.join('\n')))
      return say(
        "I'm sorry, I can only cancel reservations, add checked bags and change cabins in this chat.",
        'Booking is outside what I do here.',
      );
    return say(
      intents.length ? ANYTHING_ELSE : 'Thank you. How can I help you today?',
      'Find out what is needed.',
    );
  }

  // The reservation: named by id, or the only one, else ask.
  let resId = latest(texts, RES_ID);
  if (!resId && p.reservations.length === 1) resId = p.reservations[0];
  if (!resId) {
    // Without an id: look through the user's reservations, then match the airports it named.
    const unknown = p.reservations.find(
      (id) => !k.reservations.has(id) && !k.lookups.some((l) => l.id === id),
    );
    if (unknown && p.reservations.length <= 8)
      return lookup(
        'get_reservation_details',
        { reservation_id: unknown },
        'Look through the reservations.',
        'Let me check your reservations.',
      );
    const codes = new Set(texts.flatMap((t) => [...t.matchAll(/\b[A-Z]{3}\b/g)].map((m) => m[0])));
    const known = p.reservations.flatMap((id) => k.reservations.get(id) ?? []);
    const fits = known.filter((x) => codes.has(x.origin) || codes.has(x.destination));
    if (fits.length === 1) resId = fits[0].id;
    else
      return say(
        `Which reservation is it about? You have: ${known
          .map(
            (x) =>
              `${x.id} (${x.origin} to ${x.destination}, ${x.flights[0]?.date ?? ''}, ${x.cabin.replace('_', ' ')})`,
          )
          .join('; ')}.`,
        'I need the reservation.',
      );
  }
  // As in retail, a lookup of another reservation right after the customer named this one anchors.
  const namedAt = events.findIndex(
    (e) => e.kind === 'customer' && resId !== undefined && e.text.includes(resId),
  );
  const next = k.lookups.find((l) => l.at > namedAt);
  if (
    next &&
    next.id !== resId &&
    p.reservations.includes(next.id) &&
    !k.lookups.some((l) => l.id === resId && l.at < next.at)
  )
    resId = next.id;
  const r = k.reservations.get(resId);
  if (!r) {
    let target = resId;
    const wrong = ctx.rng.fork('tau-wrong-order');
    const others = p.reservations.filter((id) => id !== resId && !k.reservations.has(id));
    if (others.length && wrong.chance(ctx.rates.tauWrongOrder)) target = wrong.pick(others);
    return lookup(
      'get_reservation_details',
      { reservation_id: target },
      `Look up ${target}.`,
      'Let me check your reservation.',
    );
  }

  const pay = (): string | Decision => {
    let id = paymentFor(texts, p, r);
    if (!id)
      return say(
        `Which payment method would you like to use? You have: ${p.payments.map((x) => x.id).join(', ')}.`,
        'I need the payment method.',
      );
    const wrong = ctx.rng.fork('tau-wrong-payment');
    const others = p.payments.filter((x) => x.id !== id && x.source !== 'certificate');
    if (others.length && wrong.chance(ctx.rates.tauWrongPayment)) id = wrong.pick(others).id;
    return id;
  };

  if (intent === 'cancel') {
    if (!cancelReasonGiven(texts))
      return say(
        'What is the reason for the cancellation: a change of plan, the airline cancelled the flight, or another reason?',
        'I need the reason.',
      );
    const why = cancelAllowed(r, texts);
    if (why)
      return say(
        `I'm sorry, but reservation ${r.id} cannot be cancelled: ${why}. ${ANYTHING_ELSE}`,
        'The policy does not allow it.',
      );
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'cancel_reservation',
        args: { reservation_id: r.id },
        details: `cancel reservation ${r.id} (${r.origin} to ${r.destination}); the refund goes to the original payment method`,
      },
      statedCall,
    );
  }
  if (intent === 'bags') {
    const wish = bagWish(texts);
    if (!wish)
      return say(
        `How many checked bags would you like to add to reservation ${r.id}?`,
        'I need the number of bags.',
      );
    const total = wish.total ? wish.n : r.totalBags + wish.n;
    const free = (FREE_BAGS[p.membership] ?? FREE_BAGS.regular)[r.cabin] * r.passengers;
    const nonfree = Math.max(0, total - free);
    const pm = pay();
    if (typeof pm !== 'string') return pm;
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'update_reservation_baggages',
        args: { reservation_id: r.id, total_baggages: total, nonfree_baggages: nonfree, payment_id: pm },
        details: `update reservation ${r.id} to ${total} checked bags in total (${nonfree} of them paid, $${nonfree * 50}) paid with ${pm}`,
      },
      statedCall,
    );
  }
  const cabin = wantedCabin(texts);
  if (!cabin || cabin === r.cabin)
    return say(
      `Which cabin would you like for reservation ${r.id}: basic economy, economy or business?`,
      'I need the cabin.',
    );
  const pm = pay();
  if (typeof pm !== 'string') return pm;
  return confirmOrAct(
    ctx,
    events,
    {
      tool: 'update_reservation_flights',
      args: { reservation_id: r.id, cabin, flights: r.flights, payment_id: pm },
      details: `change the cabin of reservation ${r.id} to ${cabin.replace('_', ' ')} for the same flights (${r.flights.map((f) => `${f.flight_number} on ${f.date}`).join(', ')}), the difference settled with ${pm}`,
    },
    statedCall,
  );
}

/** The call an airline confirmation states, from its words. */
function statedCall(text: string): { tool: string; args: Args } | undefined {
  const res = /reservation ([A-Z0-9]{6})\b/.exec(text)?.[1];
  if (!res) return undefined;
  const pm = /\b(?:credit_card|gift_card|certificate)_\d+\b/.exec(text)?.[0];
  if (/To confirm, I will cancel reservation/.test(text))
    return { tool: 'cancel_reservation', args: { reservation_id: res } };
  const bags = /to (\d+) checked bags in total \((\d+) of them paid/.exec(text);
  if (bags && pm)
    return {
      tool: 'update_reservation_baggages',
      args: {
        reservation_id: res,
        total_baggages: Number(bags[1]),
        nonfree_baggages: Number(bags[2]),
        payment_id: pm,
      },
    };
  const cabin = /cabin of reservation [A-Z0-9]{6} to (basic economy|economy|business)/.exec(text)?.[1];
  if (cabin && pm) {
    const flights = [...text.matchAll(/\b(HAT\d{3}) on (\d{4}-\d{2}-\d{2})/g)].map((m) => ({
      flight_number: m[1],
      date: m[2],
    }));
    return {
      tool: 'update_reservation_flights',
      args: { reservation_id: res, cabin: cabin.replace(' ', '_'), flights, payment_id: pm },
    };
  }
  return undefined;
}
