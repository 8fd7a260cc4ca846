// The τ customer: holds the scenario parsed from its prompt (parse.ts) and, stateless like every
// role of the simulated model, replays the conversation on each request — every agent message
// moves its progress (identity given, a piece of the request said, an action confirmed, reported
// done, refused) — then decides its next message. It answers only from its scenario, gives its
// request a piece at a time, says yes to a stated action that matches its wish and corrects one
// that does not, follows the scenario's fallbacks when the agent cannot do something, and ends
// with END_MARKER when everything is done, when it is handed to a human, or when it gives up.
import { END_MARKER } from '../../../shared/messages';
import { Rng, hashString, mixSeeds } from '../../rng';
import type { TauWorld } from '../world';
import { findProductNames, mentions } from './products';
import { type AgentMessage, readAgent } from './read';
import type { Condition, ItemWish, TauRequest, TauScenario } from './scenario';
import {
  addressText,
  firstPerson,
  identityText,
  itemText,
  listText,
  paymentText,
  pickPhrase,
  requestText,
  verbOf,
  wishText,
} from './say';

/** How many times the customer repeats itself (a wrong action stated, a question it already
 * answered, a message it cannot use) before it gives up. */
export const TAU_PATIENCE = 3;
/** The customer ends the chat after this many of its own messages whatever happens. */
export const TAU_MAX_TURNS = 30;

/** One exchange as the customer sees it: what the agent said, then what the customer answered. */
export interface TauExchange {
  agent: string | null;
  own: string | null;
}

export interface CustomerContext {
  world: TauWorld;
  scenario: TauScenario;
  /** Seeds the customer's phrasing so a replay words everything as the first time. */
  key: number;
}

interface State {
  turns: number;
  req: number;
  /** The request as it stands now: a followed fallback replaces it. */
  current: TauRequest[];
  said: Set<string>;
  identityAttempts: number;
  confirmed: boolean;
  /** Its last message followed a fallback of its scenario. */
  fellBack: boolean;
  usedConditions: Set<number>;
  frustration: number;
  ended: boolean;
}

const NEGATIVE =
  /\b(no|not|cannot|can't|doesn't|isn't|unavailable|unable|fails?|impossible|out of stock|won't)\b/i;
const INTENT_WORDS: Record<string, RegExp> = {
  cancel: /\bcancel/i,
  return: /\breturn/i,
  exchange: /\bexchang/i,
  modify_items: /\b(modify|change|exchang|replace)/i,
  modify_address: /\baddress\b/i,
  change_user_address: /\baddress\b/i,
  modify_payment: /\bpayment\b/i,
  cancel_reservation: /\bcancel/i,
  book: /\bbook/i,
};

export function scenarioKey(instruction: string): number {
  return hashString(`tau-customer\n${instruction}`);
}

/** What is wrong with an action the agent states, measured against the current request. */
function mismatch(ctx: CustomerContext, r: TauRequest, m: AgentMessage): string | undefined {
  const t = m.text;
  const intentRe = INTENT_WORDS[r.intent];
  if (intentRe && !intentRe.test(t)) return `${requestText(ctx.scenario, r, true)}`;
  const orders = [...t.matchAll(/#W\d{7}/g)].map((x) => x[0]);
  if (r.orderIds.length && orders.length && !orders.some((o) => r.orderIds.includes(o)))
    return `that's not the right order. It's ${listText(r.orderIds)}.`;
  const res = ctx.scenario.domain === 'airline' ? r.reservationIds : [];
  if (res.length && /\b[A-Z0-9]{6}\b/.test(t) && !res.some((x) => t.includes(x)))
    return `that's not the right reservation. It's ${listText(res)}.`;
  const pays = [...t.matchAll(/\b(?:gift_card|paypal|credit_card|certificate)_\d+\b/g)].map((x) => x[0]);
  if (r.payment && pays.length && !pays.includes(r.payment)) return `please use ${r.payment} instead.`;
  if (r.reason && /\b(no longer needed|ordered by mistake)\b/i.test(t) && !t.toLowerCase().includes(r.reason))
    return `the reason is "${r.reason}".`;
  if (ctx.scenario.domain === 'retail' && r.items.length) {
    const named = new Set(findProductNames(ctx.world.retail, t));
    const mine = new Set(r.items.map((i) => i.product));
    const extra = [...named].filter((p) => !mine.has(p));
    const missing = r.items.filter((i) => !named.has(i.product));
    if (named.size && extra.length && ['return', 'exchange', 'modify_items'].includes(r.intent))
      return `I don't want to ${verbOf(r.intent)} the ${listText(extra)}. Only the ${listText([...mine])}.`;
    if (named.size && missing.length)
      return `you left out the ${listText(missing.map((i) => i.product))}. I want to ${verbOf(r.intent)} ${listText(r.items.map((i) => `the ${i.product}`))}.`;
    for (const i of r.items) {
      const wanted = Object.values(i.to);
      const absent = wanted.filter((v) => !mentions(t, v));
      if (absent.length) return `for the ${i.product} I want ${wishText(i)}.`;
    }
  }
  if (r.address?.address1 && !t.includes(r.address.address1))
    return `the new address is ${addressText(r.address)}.`;
  return undefined;
}

/** A scenario's "then" as the customer says it: a wish ("you'd go for no backlight") after "In that
 * case,"; a way to behave ("insist that you are a silver member", "ask for a refund") as the words
 * themselves. */
function spokenFallback(then: string): string {
  const t = firstPerson(then).trim().replace(/\.?$/, '');
  const ask = /^ask (?:the agent |them |for |the agent for )?(?:to )?(.*)$/i.exec(t);
  if (ask && /^ask\b/i.test(t)) return `Could you ${ask[1].replace(/^for\s+/i, 'give me ')}?`;
  const said =
    /^(?:insist|say|mention|tell the agent|tell them|explain|claim|point out|remind the agent)(?: that)?\s+(.*)$/i.exec(
      t,
    );
  if (said) return `${said[1][0].toUpperCase()}${said[1].slice(1)}.`;
  return `In that case, ${t}.`;
}

/** The fallback the scenario names for when the agent cannot do what was asked, if any is left. */
function fallbackFor(st: State, sc: TauScenario): [number, Condition] | undefined {
  const i = sc.conditions.findIndex(
    (c, j) =>
      !st.usedConditions.has(j) &&
      NEGATIVE.test(c.when) &&
      (c.intents.length > 0 || c.items.length > 0 || c.then.length > 0),
  );
  return i >= 0 ? [i, sc.conditions[i]] : undefined;
}

function giveUp(st: State, text: string): string {
  st.ended = true;
  return `${text} ${END_MARKER}`;
}

/** The piece of the current request the customer has not said yet, said now (or undefined). */
function nextPiece(ctx: CustomerContext, st: State, r: TauRequest): string | undefined {
  const k = (p: string): string => `${st.req}:${p}`;
  const say = (piece: string, text: string): string => {
    st.said.add(k(piece));
    return text;
  };
  if (!st.said.has(k('intent'))) return say('intent', requestText(ctx.scenario, r, false));
  if (r.orderIds.length && !st.said.has(k('order')))
    return say('order', `The order id is ${listText(r.orderIds)}.`);
  if (r.reservationIds.length && !st.said.has(k('order')))
    return say('order', `The reservation id is ${listText(r.reservationIds)}.`);
  if (r.items.length && !st.said.has(k('items')))
    return say('items', `It's about the ${listText(r.items.map(itemText))}.`);
  if (
    r.items.some((i) => Object.keys(i.to).length || i.values.length) &&
    !st.said.has(k('options')) &&
    r.intent !== 'return'
  )
    return say('options', r.items.map((i) => optionAnswer(i)).join(' '));
  if (r.address && !st.said.has(k('address')))
    return say('address', `The new address is ${addressText(r.address)}.`);
  const sc = ctx.scenario;
  if (sc.domain === 'airline' && ['book', 'change_flights'].includes(r.intent)) {
    if (!st.said.has(k('route')) && route(sc)) return say('route', route(sc) as string);
    if (!st.said.has(k('date')) && sc.dates.length) return say('date', dateText(sc));
    if (!st.said.has(k('cabin')) && sc.cabin) return say('cabin', cabinText(sc));
  }
  if (sc.domain === 'airline' && r.intent === 'change_cabin' && sc.cabin && !st.said.has(k('cabin')))
    return say('cabin', cabinText(sc));
  if (
    sc.domain === 'airline' &&
    ['book', 'baggage'].includes(r.intent) &&
    sc.baggage !== undefined &&
    !st.said.has(k('bags'))
  )
    return say('bags', bagsText(sc));
  if ((r.payment || r.paymentWords) && !st.said.has(k('payment'))) return say('payment', paymentText(r));
  if (r.reason && !st.said.has(k('reason'))) return say('reason', `The reason is: ${r.reason}.`);
  return undefined;
}

function route(sc: TauScenario): string | undefined {
  const places = sc.cities.length >= 2 ? sc.cities : sc.airports;
  return places.length >= 2 ? `I'm flying from ${places[0]} to ${places[1]}.` : undefined;
}
const dateText = (sc: TauScenario): string =>
  sc.dates.length ? `The date is ${listText(sc.dates.map((d) => d.text))}.` : "I'm not sure about the date.";
const cabinText = (sc: TauScenario): string =>
  sc.cabin ? `I'd like ${sc.cabin.replace('_', ' ')}.` : "I don't have a preference for the cabin.";
const bagsText = (sc: TauScenario): string =>
  sc.baggage === undefined
    ? "I don't need any checked bags."
    : `${sc.baggage === 0 ? 'No' : sc.baggage} checked bag${sc.baggage === 1 ? '' : 's'}.`;

/** A wish in words ("a bigger one") made concrete from the options the agent listed: the largest
 * or smallest of a numeric option ("capacity: 1000ml, 500ml, 750ml"). */
function fromListing(i: ItemWish, agentText: string): string | undefined {
  const dir = /\b(bigger|larger|more|longer|higher|heavier)\b/i.test(i.phrase ?? '')
    ? 1
    : /\b(smaller|less|fewer|shorter|lower|lighter)\b/i.test(i.phrase ?? '')
      ? -1
      : 0;
  if (!dir) return undefined;
  const listing = agentText.slice(agentText.indexOf(':') + 1);
  for (const m of listing.matchAll(/([a-z][a-z /-]*?):\s*([^;]+)/gi)) {
    const values = m[2].split(',').map((v) => v.trim().replace(/\.$/, ''));
    const nums = values.map((v) => parseFloat(v));
    if (values.length < 2 || nums.some((n) => Number.isNaN(n))) continue;
    const best = values[nums.indexOf(dir > 0 ? Math.max(...nums) : Math.min(...nums))];
    return `${m[1].trim()} ${best}`;
  }
  return undefined;
}

const optionAnswer = (i: ItemWish, agentText = ''): string => {
  const concrete = Object.keys(i.to).length === 0 ? fromListing(i, agentText) : undefined;
  if (concrete) return `For the ${i.product}, I'd like ${i.phrase}: ${concrete}.`;
  return Object.keys(i.to).length || i.phrase || i.same || i.values.length
    ? `For the ${i.product}, I'd like ${wishText(i)}.`
    : `For the ${i.product}, I don't have a preference. What is available?`;
};

/** The airports the scenario names: its codes, and the code of each city it names (the first
 * airport the airline lists for that city). */
function scenarioCodes(ctx: CustomerContext): string[] {
  const sc = ctx.scenario;
  const byCity = sc.cities.map((c) => ctx.world.airline.airports.find((a) => a.city === c)?.code);
  return [...sc.airports, ...byCity.filter((c): c is string => c !== undefined)];
}

/** Its trip among the reservations the agent listed ("UM3OG5 (SEA to DFW, 2024-05-26, economy)"):
 * the first whose two airports, or one airport and the date, are the scenario's. */
function tripFromListing(ctx: CustomerContext, r: TauRequest, agentText: string): string[] {
  const codes = scenarioCodes(ctx);
  const dates = ctx.scenario.dates;
  const entries = [
    ...agentText.matchAll(/\b([A-Z0-9]{6}) \(([A-Z]{3}) to ([A-Z]{3}),? (\d{4})-(\d{2})-(\d{2})([^)]*)\)/g),
  ];
  for (const m of entries) {
    const airports = [m[2], m[3]].filter((c) => codes.includes(c)).length;
    const onDate = dates.some((d) => d.month === Number(m[5]) && d.day === Number(m[6]));
    if (airports === 2 || (airports === 1 && onDate)) return [m[1]];
  }
  // "all business flights": every listed reservation in the cabin it names and does not keep.
  if (/\ball\b/i.test(r.text)) {
    const cabin = ['basic economy', 'business', 'economy'].find(
      (c) => new RegExp(`\\b${c}\\b`, 'i').test(r.text) && c.replace(' ', '_') !== ctx.scenario.cabin,
    );
    return entries.filter((m) => !cabin || new RegExp(`,\\s*${cabin}\\s*$`).test(m[7])).map((m) => m[1]);
  }
  return [];
}

/** Answers to what the agent asked, from the scenario only. */
function answers(ctx: CustomerContext, st: State, m: AgentMessage, r: TauRequest): string[] {
  const sc = ctx.scenario;
  const out: string[] = [];
  const k = (p: string): string => `${st.req}:${p}`;
  const repeat = (piece: string): void => {
    if (st.said.has(k(piece))) st.frustration++;
    st.said.add(k(piece));
  };
  if (m.asksIdentity && !st.said.has('identity-ok')) {
    if (m.notFound) st.identityAttempts++;
    const id = identityText(sc.identity, sc.domain, m.asksEmail, st.identityAttempts);
    out.push(id ?? "I'm sorry, I don't have that information.");
    if (st.said.has('identity') && !m.notFound) st.frustration++;
    st.said.add('identity');
    if (!st.said.has(k('intent'))) {
      out.push(requestText(sc, r, false));
      st.said.add(k('intent'));
    }
    return out;
  }
  if (m.asksOrder) {
    repeat('order');
    if (r.orderIds.length) out.push(`The order id is ${listText(r.orderIds)}.`);
    else if (sc.orderIds.length) out.push(`The order id is ${listText(sc.orderIds)}.`);
    else if (r.items.length)
      out.push(
        `I don't remember the order id, but it's the order with the ${listText(r.items.map((i) => i.product))}.`,
      );
    else if (/\b(all|everything|every)\b/i.test(r.text))
      out.push("I don't know the order ids. It's about all of my orders; could you look them up?");
    else out.push("I'm sorry, I don't know the order id.");
  }
  if (m.asksReservation) {
    repeat('order');
    const listed = r.reservationIds.length || sc.reservationIds.length ? [] : tripFromListing(ctx, r, m.text);
    const ids = r.reservationIds.length ? r.reservationIds : listed.length ? listed : sc.reservationIds;
    out.push(
      ids.length
        ? `The reservation id is ${listText(ids)}.`
        : scenarioCodes(ctx).length >= 2
          ? `I don't remember the reservation id, but it's the trip from ${scenarioCodes(ctx)[0]} to ${scenarioCodes(ctx)[1]}.`
          : "I'm sorry, I don't remember the reservation id.",
    );
  }
  if (m.asksItems) {
    repeat('items');
    out.push(
      r.items.length
        ? `I want to ${verbOf(r.intent)} the ${listText(r.items.map(itemText))}.`
        : "I'm not sure, could you tell me what is in the order?",
    );
  }
  if (m.asksOptions) {
    repeat('options');
    // The items the question names, or all of them.
    const named = new Set(findProductNames(ctx.world.retail, m.text));
    const asked = r.items.filter((i) => named.has(i.product));
    const items = asked.length ? asked : r.items;
    out.push(
      items.length ? items.map((i) => optionAnswer(i, m.text)).join(' ') : "I don't have a preference.",
    );
  }
  if (m.asksAddress) {
    repeat('address');
    out.push(
      r.address
        ? `The new address is ${addressText(r.address)}.`
        : "I'm sorry, I don't have that address with me.",
    );
  }
  if (sc.domain === 'airline') {
    if (m.asksRoute) {
      repeat('route');
      out.push(route(sc) ?? "I'm sorry, I don't know.");
    }
    if (m.asksDate) {
      repeat('date');
      out.push(dateText(sc));
    }
    if (m.asksCabin) {
      repeat('cabin');
      out.push(cabinText(sc));
    }
    if (m.asksBags) {
      repeat('bags');
      out.push(bagsText(sc));
    }
    if (m.asksInsurance) {
      repeat('insurance');
      out.push(
        sc.insurance === undefined
          ? "No, I don't need insurance."
          : sc.insurance
            ? 'Yes, I want insurance.'
            : "No, I don't want insurance.",
      );
    }
    if (m.asksPassengers) {
      repeat('passengers');
      const names = sc.passengers.map((p) => [p.firstName, p.lastName].filter(Boolean).join(' '));
      out.push(
        names.length ? `The passengers: ${listText(names)}.` : "It's just me, the details are in my profile.",
      );
    }
  }
  if (m.asksPayment) {
    repeat('payment');
    out.push(paymentText(r));
  }
  if (m.asksReason) {
    repeat('reason');
    const reason = r.reason ?? sc.reasons[0];
    if (sc.domain === 'airline')
      // No reason in its scenario: its plans changed, as a traveller who just cancels would say.
      out.push(`It's because of ${!reason || reason === 'change of plan' ? 'a change of plan' : reason}.`);
    else out.push(reason ? `The reason is: ${reason}.` : "It's no longer needed.");
  }
  return out;
}

/** One customer message, moving the state as if it had been said. */
function step(ctx: CustomerContext, st: State, agentText: string | null): string {
  const sc = ctx.scenario;
  const rng = new Rng(mixSeeds(ctx.key, st.turns));
  const opening = st.turns === 0;
  st.turns++;
  const m = readAgent(agentText);
  const r = (): TauRequest => st.current[st.req];

  if (opening) {
    const parts = [pickPhrase(rng, ['Hi,', 'Hello,', 'Hi there,'])];
    st.said.add(`0:intent`);
    if (sc.upfront) {
      const id = identityText(sc.identity, sc.domain, false, 0);
      if (id) {
        parts.push(id);
        st.said.add('identity');
      }
      parts.push(requestText(sc, r(), true));
      st.said.add('0:order');
    } else parts.push(requestText(sc, r(), false));
    return parts.join(' ');
  }
  if (m.transfer) return giveUp(st, 'Okay, thank you.');
  if (st.turns > TAU_MAX_TURNS) return giveUp(st, "I've spent too long on this. Goodbye.");

  if (m.done) {
    st.said.add('identity-ok');
    st.req++;
    st.confirmed = false;
    if (st.req >= st.current.length)
      return giveUp(
        st,
        pickPhrase(rng, ["Thanks, that's all I needed.", 'Great, thank you! That was everything.']),
      );
    st.said.add(`${st.req}:intent`);
    return `${pickPhrase(rng, ['Thank you!', 'Great, thanks.'])} ${pickPhrase(rng, ['I also have another request:', 'Next,'])} ${requestText(sc, r(), true)}`;
  }
  if (m.confirm) {
    st.said.add('identity-ok');
    const wrong = mismatch(ctx, r(), m);
    if (!wrong) {
      st.confirmed = true;
      return pickPhrase(rng, [
        'Yes, please go ahead.',
        'Yes, that is correct. Please proceed.',
        'Yes, please do.',
      ]);
    }
    st.frustration++;
    if (st.frustration > TAU_PATIENCE)
      return giveUp(st, "This isn't what I asked for. I'll try again another time.");
    return `No, ${wrong}`;
  }
  // After it fell back, an agent that only asks "anything else?" has not agreed: the next fallback.
  const unmoved = st.fellBack && m.open && !m.done && !m.confirm && fallbackFor(st, sc) !== undefined;
  st.fellBack = false;
  if ((m.refused && !m.notFound) || unmoved) {
    const fb = fallbackFor(st, sc);
    if (fb) {
      const [i, c] = fb;
      st.usedConditions.add(i);
      const base = r();
      const intent = c.intents[0] ?? base.intent;
      st.current[st.req] = { ...base, intent, items: c.items.length ? c.items : base.items, text: c.then };
      st.confirmed = false;
      st.fellBack = true;
      return spokenFallback(c.then);
    }
    if (st.req + 1 < st.current.length) {
      st.req++;
      st.said.add(`${st.req}:intent`);
      return `I see. ${requestText(sc, r(), true)}`;
    }
    st.frustration++;
    if (st.frustration > 1 || m.open) return giveUp(st, 'I understand. Thank you anyway.');
    return pickPhrase(rng, ['Are you sure? Please check again.', 'Is there really nothing you can do?']);
  }
  if (m.goodbye && !m.open) return giveUp(st, 'Goodbye.');
  // "Let me check your reservations.": the agent is working; nothing to answer yet.
  if (
    !m.text.includes('?') &&
    /\b(let me|one moment|just a moment|i will (check|look)|checking)\b/i.test(m.text)
  )
    return 'Sure, thank you.';

  const parts = answers(ctx, st, m, r());
  if (parts.length === 0 && m.open) {
    st.said.add('identity-ok');
    if (st.confirmed) {
      // Asked for anything else before the action was reported done: the request still stands.
      st.frustration++;
    }
    // "How can I help?" after the request was said: the agent missed it, so say it again in full
    // once (with its ids); after that, asking again is making the customer repeat itself.
    const again = `${st.req}:restated`;
    if (st.said.has(`${st.req}:intent`) && !st.said.has(again)) {
      st.said.add(again);
      parts.push(requestText(sc, r(), true));
    } else {
      const piece = nextPiece(ctx, st, r());
      if (!piece) st.frustration++;
      parts.push(piece ?? requestText(sc, r(), true));
    }
  }
  // A question about the customer that its scenario does not answer ("What is your date of
  // birth?"): it says it does not know, and goes on with what it came for.
  if (parts.length === 0 && !m.open && m.text.includes('?') && /\b(your|you have)\b/i.test(m.text)) {
    parts.push(pickPhrase(rng, ["I'm sorry, I don't know that.", "Sorry, I don't have that information."]));
    const piece = nextPiece(ctx, st, r());
    if (piece) parts.push(piece);
  }
  if (parts.length === 0) {
    const piece = nextPiece(ctx, st, r());
    if (piece) parts.push(piece);
    else {
      st.frustration++;
      parts.push(
        pickPhrase(rng, ['Could you please go ahead with it?', 'Can you help me with that, please?']),
      );
    }
  }
  if (st.frustration > TAU_PATIENCE) return giveUp(st, "I don't think this is going anywhere. Goodbye.");
  return parts.join(' ');
}

/** The customer's next message for a conversation (its exchanges, the last one open). */
export function nextCustomerMessage(ctx: CustomerContext, exchanges: TauExchange[]): string {
  const st: State = {
    turns: 0,
    req: 0,
    current: ctx.scenario.requests.map((r) => ({ ...r })),
    said: new Set(),
    identityAttempts: 0,
    confirmed: false,
    fellBack: false,
    usedConditions: new Set(),
    frustration: 0,
    ended: false,
  };
  let out = '';
  for (const ex of exchanges) {
    if (st.ended) return `Goodbye. ${END_MARKER}`;
    out = step(ctx, st, ex.agent);
  }
  return out;
}
