// The τ customer's instruction parser: reads the scenario text (τ-bench's instruction, or τ²'s
// fields under the project's headings) into a TauScenario. Two readings, both from the text only:
// τ-bench retail's generated instructions ("For #W1205816, modify Tea Kettle {...} to {...}; via
// gift_card_5715854.") are read exactly by their sentence shapes; free-text instructions are read
// sentence by sentence with the world's vocabulary (product types, option values, airports) and
// patterns for ids, names, dates, payment words, intents and conditions.
import type { TauWorld } from '../world';
import { findOptionValues, findProducts } from './products';
import type { Address, Condition, Identity, Intent, ItemWish, TauRequest, TauScenario } from './scenario';

const ORDER_ID = /#?\bW(\d{7})\b/g;
const PAYMENT_ID = /\b(?:gift_card|paypal|credit_card|certificate)_\d+\b/g;
const USER_ID = /\b[a-z]+_[a-z]+_\d{3,5}\b/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const FLIGHT = /\bHAT\d{3}\b/g;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DATE_WORDS = new RegExp(`\\b(${MONTHS.join('|')})\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b`, 'gi');
const DATE_ISO = /\b(\d{4})-(\d{2})-(\d{2})\b/g;

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const all = (re: RegExp, text: string): string[] => [...text.matchAll(re)].map((m) => m[0]);
/** Order ids as `#W1234567`; a bare seven-digit number the instruction calls an order id is kept as
 * written (the customer says what its scenario says, right or wrong). */
function orderIds(text: string): string[] {
  const out = [...text.matchAll(ORDER_ID)].map((m) => `#W${m[1]}`);
  if (/\border\b/i.test(text)) for (const m of text.matchAll(/(?<![#\w])(\d{7})\b/g)) out.push(m[1]);
  return uniq(out);
}

/** Reservation ids: six capitals and digits with at least one of each (never a flight number). */
function reservationIds(text: string): string[] {
  const mixed = all(/\b[A-Z0-9]{6}\b/g, text).filter(
    (w) => /\d/.test(w) && /[A-Z]/.test(w) && !/^HAT\d{3}$/.test(w),
  );
  // Six capitals alone are a reservation id only where the text calls them one.
  const named = [...text.matchAll(/\b(?:reservations?|confirmation)\b[^.]{0,30}?\b([A-Z]{6})\b/g)].map(
    (m) => m[1],
  );
  return uniq([...mixed, ...named]).sort((a, b) => text.indexOf(a) - text.indexOf(b));
}

/** A Python dict literal of strings as τ-bench prints one: {'size': 'L', 'color': 'black'}. */
function pyDict(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/'([^']*)'\s*:\s*'([^']*)'/g)) out[m[1]] = m[2];
  return out;
}

function addressOf(d: Record<string, string>): Address {
  const a: Address = {};
  for (const k of ['address1', 'address2', 'city', 'state', 'country', 'zip'] as const) if (d[k]) a[k] = d[k];
  return a;
}

/** Sentences, keeping Python dict literals (which hold periods and commas) whole. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    cur += c;
    if (depth === 0 && /[.!?\n]/.test(c) && (i + 1 >= text.length || /\s/.test(text[i + 1]))) {
      // "e.g." / "est." / "St." / "i.e." do not end a sentence.
      if (c === '.' && /\b(e\.g|i\.e|est|St|Dr|Mr|Mrs|Ms|etc|vs)\.$/i.test(cur)) continue;
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function emptyRequest(intent: Intent, text: string): TauRequest {
  return { intent, text, orderIds: [], reservationIds: [], items: [] };
}

// τ-bench retail's generated sentences, read exactly.
function generatedRequests(text: string): { requests: TauRequest[]; rest: string } {
  const found: { at: number; req: TauRequest }[] = [];
  let rest = text;
  const take = (re: RegExp, make: (m: RegExpExecArray) => TauRequest): void => {
    for (let m = re.exec(text); m; m = re.exec(text)) {
      found.push({ at: m.index, req: make(m) });
      rest = rest.replace(m[0], ' ');
    }
  };
  take(/Cancel order (#W\d{7}) because ([^.]+)\./g, (m) => ({
    ...emptyRequest('cancel', m[0]),
    orderIds: [m[1]],
    reason: m[2].trim(),
  }));
  take(/For (#W\d{7}), change address to (\{[^}]*\})(?: \(same as (#W\d{7})\))?\.?/g, (m) => ({
    ...emptyRequest('modify_address', m[0]),
    orderIds: [m[1]],
    address: addressOf(pyDict(m[2])),
  }));
  take(/For (#W\d{7}), change payment to ([\w]+)\./g, (m) => ({
    ...emptyRequest('modify_payment', m[0]),
    orderIds: [m[1]],
    payment: m[2],
  }));
  take(
    /For (#W\d{7}), (modify|exchange) ((?:[^;{}.#]+ \{[^}]*\} to \{[^}]*\};\s*)+)(?:via (\w+)\.)?/g,
    (m) => {
      const items: ItemWish[] = [];
      for (const it of m[3].matchAll(/\s*([^;{}.#]+?) (\{[^}]*\}) to (\{[^}]*\});/g)) {
        const from = pyDict(it[2]);
        const to = { ...pyDict(it[3]) };
        items.push({
          product: it[1].trim(),
          from,
          to,
          values: Object.values(to),
          same: Object.keys(to).length === 0,
        });
      }
      return {
        ...emptyRequest(m[2] === 'modify' ? 'modify_items' : 'exchange', m[0]),
        orderIds: [m[1]],
        items,
        ...(m[4] ? { payment: m[4] } : {}),
      };
    },
  );
  // "Return #W… via pm: Tea Kettle; Wireless Earbuds {...}; " — the list ends where the next
  // generated sentence ("For #W…", "Return #W…", "Cancel order") begins.
  take(
    /Return (#W\d{7}) via (\w+): ((?:\s*(?!\s*(?:For #W|Return #W|Cancel order))[^;{}]+(?:\{[^}]*\})?;)+)/g,
    (m) => ({
      ...emptyRequest('return', m[0]),
      orderIds: [m[1]],
      payment: m[2],
      items: [...m[3].matchAll(/\s*([^;{}]+?)\s*(\{[^}]*\})?;/g)].map((it) => ({
        product: it[1].trim(),
        from: it[2] ? pyDict(it[2]) : {},
        to: {},
        values: [],
      })),
    }),
  );
  found.sort((a, b) => a.at - b.at);
  return { requests: found.map((f) => f.req), rest };
}

/** `negated`: the pattern itself reads a negation ("not receive"), so it sees the whole sentence. */
const INTENT_WORDS: {
  intent: Intent;
  re: RegExp;
  domain: 'retail' | 'airline' | 'both';
  negated?: boolean;
}[] = [
  {
    intent: 'change_user_address',
    re: /\b(user|default|profile)\b[^.]*\baddress\b|\baddress\b[^.]*\b(user profile|profile|account)\b|\byour address\b[^.]*\b(update|change)\b/i,
    domain: 'retail',
  },
  {
    intent: 'modify_address',
    re: /\b(change|update|modify|correct|fix)\b[^.]*\baddress\b|\bto be delivered to\b/i,
    domain: 'retail',
  },
  { intent: 'modify_payment', re: /\b(change|switch|update)\b[^.]*\bpayment\b/i, domain: 'retail' },
  { intent: 'exchange', re: /\bexchang/i, domain: 'retail' },
  { intent: 'return', re: /\b(return|refund for)\b/i, domain: 'retail' },
  // A refund for something received is a return; for something only ordered, a cancellation.
  {
    intent: 'return',
    re: /\brefund\b(?=[^.]*\b(received|delivered|arrived|used)\b)|\b(received|delivered|arrived|used)\b[^.]*\brefund\b/i,
    domain: 'retail',
  },
  { intent: 'cancel', re: /\bcancel/i, domain: 'retail' },
  {
    intent: 'cancel',
    re: /\b(not|don't|do not|won't) (want to |be able to )?receive\b|\b(placed|placing|ordered)\b[^.]*\b(full )?refund\b/i,
    domain: 'retail',
    negated: true,
  },
  {
    intent: 'modify_items',
    re: /\b(modify|change|switch|swap|upgrade|adjust)\b[^.]*\b(items?|to (?:a|an|the)\b|color|size|version|one|model|material)\b|\b(modify|change)\b[^.]*\border\b|\b(change|switch|adjust) (it|them) to\b/i,
    domain: 'retail',
  },
  { intent: 'cancel_reservation', re: /\bcancel/i, domain: 'airline' },
  {
    intent: 'book',
    re: /\b(book|fly from|want to fly|new reservation|round trip|one[- ]way)\b/i,
    domain: 'airline',
  },
  {
    intent: 'change_cabin',
    re: /\b(upgrade|downgrade|business class|to business|to economy|cabin)\b/i,
    domain: 'airline',
  },
  {
    intent: 'change_flights',
    re: /\b(change|move|switch|modify|delay|postpone)\b[^.]*\b(flight|date|trip|reservation|return|day)\b|\bnonstop\b/i,
    domain: 'airline',
  },
  { intent: 'baggage', re: /\b(bag|bags|baggage|baggages|luggage)\b/i, domain: 'airline' },
  { intent: 'passengers', re: /\bpassengers?\b/i, domain: 'airline' },
  { intent: 'insurance', re: /\binsurance\b/i, domain: 'airline' },
  {
    intent: 'compensation',
    re: /\b(compensat|certificate|voucher|delayed|cancelled flight|canceled flight)/i,
    domain: 'airline',
  },
];

const CANCEL_REASONS = ['ordered by mistake', 'no longer needed'];

/** A street address in words: "1234 Elm St, Springfield, IL, 62701", "101 Highway, New York, 10001",
 * "Suite 641", or a city named as where an address is ("your New York address"). */
function addressIn(s: string): Address | undefined {
  const m =
    /\b(\d+ (?:[A-Z][\w]*\s)*?(?:Street|St|Avenue|Ave|Road|Rd|Drive|Dr|Lane|Ln|Highway|Boulevard|Blvd|Way|Court|Place|Broadway))\b(?:,\s*((?:Suite|Apt|Unit) \w+))?(?:,\s*([A-Z][a-zA-Z]+(?: [A-Z][a-zA-Z]+)*))?(?:,?\s*([A-Z]{2})\b)?,?\s*(\d{5})?/.exec(
      s,
    );
  if (m)
    return {
      address1: m[1],
      ...(m[2] ? { address2: m[2] } : {}),
      ...(m[3] ? { city: m[3] } : {}),
      ...(m[4] ? { state: m[4] } : {}),
      ...(m[5] ? { zip: m[5] } : {}),
    };
  const suite = /\b((?:Suite|Apt|Unit) \d+)\b/.exec(s);
  if (suite && /address|deliver|ship/i.test(s)) return { address2: suite[1] };
  const city =
    /\b(?:your|the|my)\s+(?:default\s+)?([A-Z][a-z]+(?: [A-Z][a-z]+)?)(?: [A-Z]{2})? (?:address|home|house|place|one)\b|\b(?:lives?|address|house|home) in ([A-Z][a-z]+(?: [A-Z][a-z]+)?)\b/.exec(
      s,
    );
  if (city && /address|deliver|ship/i.test(s)) return { city: city[1] ?? city[2] };
  return undefined;
}

function paymentWords(s: string): string | undefined {
  const m =
    /\b(original payment(?: method)?|gift card|paypal|credit card|master ?card|visa|certificates?|card ending in \d{4}|\d{4} card)\b/i.exec(
      s,
    );
  return m ? m[1] : undefined;
}

/** Items named in a free-text sentence: each product type with the option values after it (up to
 * the next product), split into what it has ("from ...") and what it wants ("to ...", "for one
 * with ..."). */
function freeItems(world: TauWorld, s: string, context?: string): ItemWish[] {
  // "everything except a keyboard and a mouse", "keep the hiking items": not items to act on.
  const found = findProducts(world.retail, s).filter(
    (p) => !/\b(except|other than|but not|keep|not the|apart from)\b[^.;:]{0,30}$/i.test(s.slice(0, p.index)),
  );
  // "you prefer i5 over i7, and silver": no product named, so the one talked about before.
  const products = found.length || !context ? found : [{ product: context, index: 0, end: 0 }];
  return products.map((p, i) => {
    const start = i === 0 ? 0 : p.index;
    const end = i + 1 < products.length ? products[i + 1].index : s.length;
    const span = s.slice(start, end);
    const values = findOptionValues(world.retail, p.product, span);
    const to: Record<string, string> = {};
    const from: Record<string, string> = {};
    const pivot = /\b(to|for|into|instead|with|want|prefer|get)\b/i.exec(span.slice(p.end - start));
    const pivotAt = pivot ? p.end - start + pivot.index : -1;
    for (const v of values) {
      // "instead of Apple HomeKit", "rather than gold", "from 17-inch": what it has or does not want.
      const before = span.slice(Math.max(0, v.index - 16), v.index).toLowerCase();
      const notWanted = /\b(instead of|rather than|from|not|over|than)\s+(the\s+|a\s+)?$/.test(before);
      if (notWanted || (pivotAt >= 0 && v.index < pivotAt && v.index > p.end - start))
        from[v.option] = v.value;
      // The first value named for an option is the one preferred ("prefer battery > USB > AC").
      else to[v.option] ??= v.value;
    }
    const item: ItemWish = { product: p.product, from, to, values: values.map((v) => v.value) };
    const rest = span.slice(p.end - start);
    if (/^[^.;]{0,40}\b(same|identical)\b/i.test(rest)) item.same = true;
    // A wish in words with no catalogue value ("to a bigger one", "for a less bright one").
    const phrase =
      /^[^.;]{0,20}?\b(?:to|for|into)\s+((?:a|an|one)\b[^,.;()]{2,40}?)(?=\s*(?:,|\.|;|\(|\band\b|$))/i.exec(
        rest,
      );
    if (phrase && Object.keys(to).length === 0) item.phrase = phrase[1].trim();
    return item;
  });
}

/** Intents of a free-text sentence, in the domain's vocabulary; at most the strongest few. */
function intentsOf(domain: 'retail' | 'airline', s: string): Intent[] {
  const out: Intent[] = [];
  // "without changing the flights or passengers": what it does not want is not a request.
  const wanted = s.replace(
    /\b(without|never|not|don't|do not|doesn't|does not)\b[^,.;]*?(?=\b(and|but)\b|[,.;]|$)/gi,
    ' ',
  );
  for (const w of INTENT_WORDS) {
    if (w.domain !== domain && w.domain !== 'both') continue;
    if (!w.re.test(w.negated ? s : wanted)) continue;
    // A more specific address intent already read the word "address".
    if (w.intent === 'modify_address' && out.includes('change_user_address') && !/\border\b/i.test(s))
      continue;
    out.push(w.intent);
  }
  // Airline: a "return flight" is a leg, not a return of goods; baggage or insurance as part of a
  // booking is a detail of it.
  if (domain === 'airline' && out.includes('book'))
    return out.filter((i) => !['baggage', 'insurance', 'passengers', 'change_cabin'].includes(i));
  if (domain === 'retail' && out.includes('exchange')) return out.filter((i) => i !== 'modify_items');
  return out;
}

function identityOf(text: string): Identity {
  const id: Identity = {};
  const name =
    /\b(?:name is|You are|called|I am|You're)\s+([A-Z][a-z]+)\s+([A-Z][a-z]+)\b/.exec(text) ??
    /\b([A-Z][a-z]+) ([A-Z][a-z]+) \((?:with ID|user id)/.exec(text);
  if (name && !/^(a|an|the|very|not|user)$/i.test(name[1])) {
    id.firstName = name[1];
    id.lastName = name[2];
  } else {
    const first = /\b(?:name is|You are)\s+([A-Z][a-z]+)\b(?!\s+[A-Z])/.exec(text);
    if (first) id.firstName = first[1];
  }
  // Several zip codes ("say 98178 first, then 98186"): the first is what it says first.
  const zips = uniq(
    [...text.matchAll(/\b(\d{5})\b(?![^{]*\})/g)]
      .filter(
        (m) =>
          !/(address|suite|highway|street|drive|avenue|road|lane)[^.]{0,40}$/i.test(text.slice(0, m.index)),
      )
      .map((m) => m[1]),
  );
  const stated =
    /\bzip(?: code)?(?: is)?\s*(\d{5})\b/i.exec(text) ??
    /\b(?:live|living|lives|from|in)\b[^.{}]{0,40}?\b(\d{5})\b/i.exec(text);
  const first = /\bsay that it is (\d{5})\b|\b(\d{5}) first\b/.exec(text);
  const zip = first?.[1] ?? first?.[2] ?? stated?.[1] ?? zips[0];
  if (zip) id.zip = zip;
  const otherZips = zips.filter((z) => z !== zip);
  if (otherZips.length) id.otherZips = otherZips;
  const emails = uniq(all(EMAIL, text).map((e) => e.replace(/\.$/, '')));
  if (emails.length) id.email = emails[0];
  if (emails.length > 1) id.otherEmails = emails.slice(1);
  const user = all(USER_ID, text).find((u) => !/^(gift_card|credit_card)/.test(u));
  if (user) id.userId = user;
  // A user id spells the name ("mei_kovacs_8020"): the customer knows its own name.
  if (user && !id.firstName) {
    const [first, last] = user.split('_');
    id.firstName = first[0].toUpperCase() + first.slice(1);
    id.lastName = last[0].toUpperCase() + last.slice(1);
  }
  return id;
}

function datesOf(text: string): TauScenario['dates'] {
  const out: TauScenario['dates'] = [];
  for (const m of text.matchAll(DATE_WORDS))
    out.push({ month: MONTHS.indexOf(m[1].toLowerCase()) + 1, day: Number(m[2]), text: m[0] });
  for (const m of text.matchAll(DATE_ISO)) out.push({ month: Number(m[2]), day: Number(m[3]), text: m[0] });
  return out.filter((d, i) => out.findIndex((e) => e.month === d.month && e.day === d.day) === i);
}

const NUMBER_WORDS: Record<string, number> = {
  no: 0,
  zero: 0,
  one: 1,
  a: 1,
  an: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
};

function airlineDetails(world: TauWorld, text: string, sc: TauScenario): void {
  const codes = new Set(world.airline.airports.map((a) => a.code));
  sc.airports = uniq(all(/\b[A-Z]{3}\b/g, text).filter((c) => codes.has(c)));
  // In the order the text names them: "from New York to Seattle".
  sc.cities = uniq(world.airline.airports.map((a) => a.city))
    .map((c) => ({ c, at: text.search(new RegExp(`\\b${c}\\b`, 'i')) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.c);
  // The cabin it wants: a mention after a wish word ("stay in economy", "upgrade to business"),
  // else the first mention that is not about what it has or what cannot be done.
  const cabins = [...text.matchAll(/\b(basic economy|economy|business)\b/gi)].map((m) => ({
    cabin: m[1].toLowerCase().replace(' ', '_') as NonNullable<TauScenario['cabin']>,
    before: text.slice(Math.max(0, m.index - 40), m.index).toLowerCase(),
  }));
  const wished =
    // "downgrade all business flights to economy": the cabin it goes to.
    cabins.find(
      (c) => /\b(to|into)\s+(the\s+)?$/.test(c.before) && !/\b(not|cannot|can't|if)\b[^.,]*$/.test(c.before),
    ) ??
    cabins.find(
      (c) =>
        /\b(want|prefer|stay|upgrade|downgrade|change|to|cheapest|fly|in)\b[^.,]*$/.test(c.before) &&
        !/\b(not|cannot|can't|if)\b[^.,]*$/.test(c.before),
    ) ??
    cabins.find((c) => !/\b(not|cannot|can't|if)\b[^.,]*$/.test(c.before)) ??
    cabins[0];
  if (wished) sc.cabin = wished.cabin;
  const bags =
    /\b(\d+|no|zero|one|two|three|four|five|a|an)\s+(?:\w+\s+)?(?:checked\s+)?(?:bags?|baggages?|luggages?|suitcases?)\b/i.exec(
      text,
    );
  if (bags) sc.baggage = /^\d+$/.test(bags[1]) ? Number(bags[1]) : NUMBER_WORDS[bags[1].toLowerCase()];
  if (/\b(do not|don't|does not|not)\s+(want|need)\b[^.]*\binsurance\b|\bno insurance\b/i.test(text))
    sc.insurance = false;
  else if (/\b(want|with|add|purchase|buy)\b[^.]*\binsurance\b/i.test(text)) sc.insurance = true;
  for (const m of text.matchAll(/\bpassengers?\s+(?:named\s+)?([A-Z][a-z]+)(?:\s+([A-Z][a-z]+))?/g))
    sc.passengers.push({ firstName: m[1], ...(m[2] ? { lastName: m[2] } : {}) });
}

function conditionOf(s: string): Condition | undefined {
  const m = /^(?:.*?\b)?(if(?: and only if)?|unless|in case|otherwise|when)\b(.*)$/i.exec(s);
  if (!m || !/^(if|unless|in case)/i.test(m[1]) || !/\b(if|unless|in case)\b/i.test(s)) return undefined;
  const body = m[2];
  const split = /,\s*(?:then\s+)?|\bthen\b/.exec(body);
  if (!split)
    return { when: body.trim(), then: s.slice(0, m.index).trim() || body.trim(), intents: [], items: [] };
  return {
    when: body.slice(0, split.index).trim(),
    then: body.slice(split.index + split[0].length).trim(),
    intents: [],
    items: [],
  };
}

/** Why an airline customer cancels, in the words a policy asks about. */
function airlineReason(s: string): string | undefined {
  if (/\b(sick|ill|illness|health|hospital|surgery|passed away|died|funeral)\b/i.test(s)) return 'health';
  if (/\b(weather|storm|hurricane|snow)\b/i.test(s)) return 'weather';
  if (/\bairline\b[^.]*\bcancel|\bflight (was|got|has been) cancel/i.test(s))
    return 'the airline cancelled the flight';
  if (
    /\b(change of plans?|plans? (have )?changed|no longer|can't make it|cannot make it|coincides|conflict)\b/i.test(
      s,
    )
  )
    return 'change of plan';
  return undefined;
}

const PERSONA = /^You are ((?:[a-z]+(?:, | and |, and ))*[a-z]+)\.?$/;

/** Parses a τ customer's instruction. `domain` comes from the prompt's framing when it says. */
export function parseScenario(
  world: TauWorld,
  instruction: string,
  domain?: 'retail' | 'airline',
): TauScenario {
  const text = instruction.replace(/\r/g, '');
  const dom: 'retail' | 'airline' =
    domain ??
    (/\b(flight|reservation|airport|cabin|baggage|fly|trip)\b/i.test(text) && !ORDER_ID.test(text)
      ? 'airline'
      : 'retail');
  ORDER_ID.lastIndex = 0;
  const sc: TauScenario = {
    domain: dom,
    identity: identityOf(text),
    requests: [],
    orderIds: orderIds(text),
    reservationIds: dom === 'airline' ? reservationIds(text) : [],
    paymentIds: uniq(all(PAYMENT_ID, text)),
    flightNumbers: uniq(all(FLIGHT, text)),
    dates: datesOf(text),
    airports: [],
    cities: [],
    passengers: [],
    reasons: [],
    conditions: [],
    persona: [],
    unknown: [],
    questions: [],
    upfront:
      /\b(all (the )?details upfront|in your (very )?first message|everything at once|say things together|(all|both|these two) .{0,30}at the same time)\b/i.test(
        text,
      ),
  };
  if (dom === 'airline') airlineDetails(world, text, sc);

  const generated = dom === 'retail' ? generatedRequests(text) : { requests: [], rest: text };
  sc.requests.push(...generated.requests);

  let lastOrder: string[] = [];
  let lastReservation: string[] = [];
  let lastProduct: string | undefined;
  for (const s of sentences(generated.rest)) {
    // τ²'s headings are ours, not the customer's words.
    const body = s.replace(
      /^(Why you are contacting customer service|What you know|What you do not know|How to behave):\s*/,
      '',
    );
    const persona = PERSONA.exec(body);
    if (persona) {
      sc.persona.push(...persona[1].split(/,\s*(?:and\s+)?|\s+and\s+/));
      continue;
    }
    if (
      /\b(do not|don't|does not|doesn't|cannot|can't|not) (remember|know|recall|have)\b|\bforgot\b/i.test(
        body,
      )
    ) {
      for (const [what, re] of [
        ['email', /\bemail/i],
        ['order id', /\border (id|number)/i],
        ['reservation id', /\breservation (id|number)|confirmation/i],
        ['user id', /\buser id/i],
        ['zip', /\bzip/i],
        ['address', /\baddress\b/i],
        ['items', /\bwhat\b|\bwhich\b|\bitems?\b/i],
      ] as const)
        if (re.test(body)) sc.unknown.push(what);
    }
    if (/\b(want|like|need) to know\b|\bask (for|about)\b|\bhow much\b|\btracking number\b/i.test(body))
      sc.questions.push(body);
    const reason =
      (dom === 'airline' ? airlineReason(body) : undefined) ??
      CANCEL_REASONS.find((r) => body.toLowerCase().includes(r)) ??
      (/\bby mistake|accidentally|wrong(ly)? order/i.test(body)
        ? 'ordered by mistake'
        : /\bno longer|don't need|do not need|not need/i.test(body)
          ? 'no longer needed'
          : undefined);
    if (reason) sc.reasons.push(reason);
    const address = dom === 'retail' ? addressIn(body) : undefined;
    const items = dom === 'retail' ? freeItems(world, body, lastProduct) : [];
    if (items.length) lastProduct = items[items.length - 1].product;
    const cond = conditionOf(body);
    if (cond) {
      // What the condition's "then" asks for, so the customer can follow it when the time comes.
      cond.intents = intentsOf(dom, cond.then);
      cond.items = items;
      sc.conditions.push(cond);
    }
    const intents = intentsOf(dom, body);
    const orders = orderIds(body);
    const reservations = dom === 'airline' ? reservationIds(body) : [];
    if (orders.length) lastOrder = orders;
    if (reservations.length) lastReservation = reservations;
    const prev = sc.requests[sc.requests.length - 1];
    // A conditional fallback ("If it cannot be returned, cancel it") is a condition, not a request
    // of its own, unless nothing was asked before it.
    const fallback = cond !== undefined && prev !== undefined;
    if (intents.length === 0 || fallback) {
      if (
        !cond &&
        /^(You are|You're|You)\b.*\b(person|guy|man|woman|mood|customer)\b|\b(polite|rude|persistent|impatient|argumentative)\b/i.test(
          body,
        )
      )
        sc.persona.push(body);
      if (prev && !cond) {
        // A sentence with ids, items or an address but no verb of its own adds to the request before.
        for (const i of items) {
          const same = prev.items.find((p) => p.product === i.product);
          if (!same) prev.items.push(i);
          else {
            // More about an item already named ("you want medium, plus high ventilation").
            for (const [k, v] of Object.entries(i.to)) same.to[k] ??= v;
            for (const v of i.values) if (!same.values.includes(v)) same.values.push(v);
          }
        }
        if (address && !prev.address) prev.address = address;
        if (reason && !prev.reason) prev.reason = reason;
        const pay = all(PAYMENT_ID, body)[0];
        if (pay && !prev.payment) prev.payment = pay;
        const words = paymentWords(body);
        if (words && !prev.paymentWords && !prev.payment) prev.paymentWords = words;
      }
      continue;
    }
    for (const intent of intents) {
      const req: TauRequest = {
        ...emptyRequest(intent, body),
        orderIds: orders.length ? orders : intent === 'change_user_address' ? [] : lastOrder,
        reservationIds: reservations.length ? reservations : lastReservation,
        items: ['return', 'exchange', 'modify_items', 'cancel'].includes(intent) ? items : [],
      };
      const pay = all(PAYMENT_ID, body)[0];
      if (pay) req.payment = pay;
      const words = paymentWords(body);
      if (words) req.paymentWords = words;
      if (reason) req.reason = reason;
      if (address && /address|deliver|ship/i.test(body)) req.address = address;
      sc.requests.push(req);
    }
  }
  // A booking's bags, insurance, cabin and passengers are details of it, not requests of their own.
  if (dom === 'airline' && sc.requests.some((r) => r.intent === 'book'))
    sc.requests = sc.requests.filter(
      (r) =>
        !['baggage', 'insurance', 'passengers', 'change_cabin'].includes(r.intent) ||
        r.reservationIds.length > 0,
    );
  // The same intent read twice for the same ids (two sentences about one request, the second
  // saying more about its items) is one request.
  const merged: TauRequest[] = [];
  for (const r of sc.requests) {
    const p = merged.find(
      (x) =>
        x.intent === r.intent &&
        x.orderIds.join() === r.orderIds.join() &&
        x.reservationIds.join() === r.reservationIds.join() &&
        r.items.every((i) => x.items.some((y) => y.product === i.product)),
    );
    if (!p) {
      merged.push(r);
      continue;
    }
    for (const i of r.items) {
      const y = p.items.find((x) => x.product === i.product) as ItemWish;
      for (const [k, v] of Object.entries(i.to)) y.to[k] ??= v;
      for (const v of i.values) if (!y.values.includes(v)) y.values.push(v);
      y.phrase ??= i.phrase;
      if (i.same) y.same = true;
    }
    p.payment ??= r.payment;
    p.paymentWords ??= r.paymentWords;
    p.reason ??= r.reason;
  }
  sc.requests = merged;
  if (sc.requests.length === 0) sc.requests.push(emptyRequest('info', text.trim()));
  return sc;
}
