// Dialogue acts on top of slot mentions: what a caller's message asks for (book, goodbye,
// attributes) and what an assistant's message does (offers a place, reports no match, confirms or
// fails a booking, asks for details). Both the simulated agent and the simulated caller use it,
// so each understands the other's phrasing — and, within reason, a real model's.
import { type Analysis, type Mention, analyse } from './nlu';
import type { Domain, Slot } from './ontology';
import type { World } from './vocab';

export interface UserAct {
  a: Analysis;
  /** Mentions that state a constraint (not those inside a question about an attribute). */
  values: Mention[];
  /** Domains in the order the message signals them (domain words and values that imply one). */
  domainSignals: { domain: Domain; pos: number }[];
  bookIntent: boolean;
  noBooking: boolean;
  affirm: boolean;
  deny: boolean;
  dontCare: boolean;
  bye: boolean;
  /** Attributes asked about (phone, address, postcode, ...). */
  requests: string[];
}

export interface AgentAct {
  a: Analysis;
  /** Places named (restaurant/hotel/attraction names and train ids), in order. */
  offers: { domain: Domain; key: string }[];
  noMatch: boolean;
  reference?: string;
  booked: boolean;
  bookFailed: boolean;
  /** Slots the assistant asks the caller about. */
  asks: Slot[];
  offerBook: boolean;
  anythingElse: boolean;
  bye: boolean;
  /** An error marker instead of a real reply ("Error: Agent ran out of retries."). */
  error: boolean;
}

const REQUEST_WORDS: [RegExp, string][] = [
  [/\b(phone|telephone|contact number|phone number)\b/, 'phone'],
  [/\baddress\b/, 'address'],
  [/\b(postcode|post code|postal code|zip)\b/, 'postcode'],
  [/\bentrance fee|admission|entry fee\b/, 'entrance fee'],
  [/\bprice range\b/, 'pricerange'],
  [/\b(price(?! range)|cost|how much|fare)\b/, 'price'],
  [/\b(travel time|duration|how long)\b/, 'duration'],
  [/\barrival time|when does it arrive|what time does it arrive\b/, 'arriveBy'],
  [/\bdeparture time|when does it leave|what time does it leave\b/, 'leaveAt'],
  [/\btrain (id|number)\b/, 'trainID'],
  [/\breference\b/, 'reference'],
  [/\b(area|part of town|where is it)\b/, 'area'],
  [/\b(star rating|how many stars)\b/, 'stars'],
  [/\b(internet|wifi|wi fi)\b/, 'internet'],
  [/\bparking\b/, 'parking'],
  [/\b(food type|type of food|what food|cuisine)\b/, 'food'],
  [/\b(hotel type|type of hotel|attraction type|type of attraction|what type|what kind)\b/, 'type'],
  [/\bopening hours|open\b/, 'openhours'],
];
const REQUEST_CUE =
  /\b(what|whats|which|tell me|give me|can i (get|have)|could i (get|have)|may i have|i need the|i need their|do you have the|send me|provide)\b/;
const YESNO_QUESTION = /^(does|do|is|are|has|have|will|can|could) (it|they|that|this|the)\b/;

const caches = new WeakMap<World, { user: Map<string, UserAct>; agent: Map<string, AgentAct> }>();
const CACHE_MAX = 50_000;

function cacheFor(world: World): { user: Map<string, UserAct>; agent: Map<string, AgentAct> } {
  let c = caches.get(world);
  if (!c) {
    c = { user: new Map(), agent: new Map() };
    caches.set(world, c);
  }
  if (c.user.size > CACHE_MAX) c.user.clear();
  if (c.agent.size > CACHE_MAX) c.agent.clear();
  return c;
}

export function userAct(world: World, text: string): UserAct {
  const c = cacheFor(world);
  let act = c.user.get(text);
  if (!act) {
    act = readUser(world, text);
    c.user.set(text, act);
  }
  return act;
}

export function agentAct(world: World, text: string): AgentAct {
  const c = cacheFor(world);
  let act = c.agent.get(text);
  if (!act) {
    act = readAgent(world, text);
    c.agent.set(text, act);
  }
  return act;
}

function readUser(world: World, text: string): UserAct {
  const a = analyse(world, text);
  const n = a.norm;
  const first = a.sentences[0]?.text ?? '';
  const requests: string[] = [];
  const asked: { start: number; end: number }[] = [];
  a.sentences.forEach((s, i) => {
    // "what is the address?" and "do they have free parking?" ask; "I need a cheap hotel" states.
    const asking =
      (s.question && (REQUEST_CUE.test(s.text) || YESNO_QUESTION.test(s.text))) ||
      /\b(tell me|give me)\b/.test(s.text);
    if (!asking) return;
    let any = false;
    for (const [re, attr] of REQUEST_WORDS) {
      if (!re.test(s.text)) continue;
      any = true;
      if (!requests.includes(attr)) requests.push(attr);
    }
    if (any) asked.push({ start: s.start, end: a.sentences[i + 1]?.start ?? Infinity });
  });
  const values = a.mentions.filter((m) => !asked.some((r) => m.pos >= r.start && m.pos < r.end));
  const domainSignals = [
    ...a.domains,
    ...a.mentions
      .filter((m): m is Mention & { domain: Domain } => m.domain !== undefined)
      .map((m) => ({ domain: m.domain, pos: m.pos })),
  ].sort((x, y) => x.pos - y.pos);
  const noBooking =
    /\b(dont|do not|no need to|not) (need to |want to )?(book|reserve)|\bno booking\b|\bjust (the )?information\b/.test(
      n,
    );
  return {
    a,
    values,
    domainSignals,
    bookIntent: !noBooking && /\b(book|reserve|reservation|booking)\b/.test(n),
    noBooking,
    affirm:
      /^(yes|yeah|yep|sure|ok|okay|great|perfect|sounds good|that sounds|that works|please do|that would be)/.test(
        first,
      ),
    deny: /^(no|nope|not really)\b/.test(first) && !/^no preference/.test(first),
    dontCare:
      /\b(no preference|dont care|doesnt matter|does not matter|not important|any (area|price|type|day|time) is fine|anything is fine|either is fine|no particular)\b/.test(
        n,
      ),
    bye: /\b(goodbye|bye|end conversation)\b/.test(n) || text.includes('END_CONVERSATION'),
    requests,
  };
}

const ASK_PATTERNS: [RegExp, Slot[]][] = [
  [
    /\b(what|which) (area|part of town)|\barea\b.*\b(prefer|like|mind|want)|\bpart of town\b|\bside of town\b/,
    ['area'],
  ],
  [/\bprice ?range\b|\bbudget\b|\bhow expensive\b/, ['pricerange']],
  [/\b(type|kind) of (food|cuisine)\b|\bcuisine\b|\bwhat food\b/, ['food']],
  [
    /\bhotel or (a )?guest ?house\b|\bguest ?house or (a )?hotel\b|\b(type|kind) of (attraction|hotel|place|accommodation)\b/,
    ['type'],
  ],
  [/\bhow many stars\b|\bstar rating\b/, ['stars']],
  [/\bparking\b/, ['parking']],
  [/\b(wifi|internet)\b/, ['internet']],
  [
    /\b(departing|leaving|travell?ing|coming|depart|leave) from\b|\bdeparture (station|city|point)\b|\bwhere from\b/,
    ['departure'],
  ],
  [
    /\b(travell?ing|going|heading) to\b|\bdestination\b|\bwhere (are|will) you (be )?(going|heading|travell?ing)\b/,
    ['destination'],
  ],
  [/\b(what|which) day\b|\bwhen (will|would) you (like to )?(travel|arrive|stay|dine|go)\b/, ['day']],
  [
    /\b(leave|depart|arrive)\b.*\b(or|and)\b.*\b(arrive|leave|depart)\b|\bwhat time\b.*\b(travel|train)\b/,
    ['leaveAt', 'arriveBy'],
  ],
  [/\bwhat time\b.*\b(leave|depart)\b|\bleave after\b/, ['leaveAt']],
  [/\bwhat time\b.*\barrive\b|\barrive by\b/, ['arriveBy']],
  [
    /\bhow many (people|guests|persons|tickets|seats)\b|\bfor how many\b|\bparty size\b|\bnumber of (people|guests|tickets)\b/,
    ['people'],
  ],
  [/\b(what|which) time\b|\bat what time\b/, ['time']],
  [/\bhow many (nights|days)\b|\bhow long\b.*\bstay\b/, ['stay']],
];

function readAgent(world: World, text: string): AgentAct {
  const a = analyse(world, text);
  const n = a.norm;
  const offers: AgentAct['offers'] = [];
  for (const m of a.mentions) {
    if (m.slot === 'name' && m.domain) offers.push({ domain: m.domain, key: m.value });
    if (m.slot === 'trainID') offers.push({ domain: 'train', key: m.value });
  }
  const ref =
    /\breference(?: number| no\.?| code)?(?: is)?\s*:?\s*([A-Z0-9]{6,10})\b/i.exec(text) ??
    /\bref\b\W+([A-Z0-9]{6,10})\b/i.exec(text);
  const bookFailed =
    /\b(unable to (book|reserve)|could not (book|reserve|complete)|couldnt (book|reserve)|cannot (book|reserve)|cant (book|reserve)|booking (was )?(unsuccessful|failed|not successful)|booking failed|not able to (book|reserve)|fully booked)\b/.test(
      n,
    );
  const asks: Slot[] = [];
  for (const s of a.sentences) {
    if (!s.question) continue;
    // "Would you like me to book it?" is an offer, not a question about a slot.
    if (
      /\b(shall|should|would you like|do you want|want me to) (i |me to )?(book|reserve|make)\b/.test(
        s.text,
      ) &&
      !/how many|what|which/.test(s.text)
    )
      continue;
    for (const [re, slots] of ASK_PATTERNS) {
      if (re.test(s.text)) for (const sl of slots) if (!asks.includes(sl)) asks.push(sl);
    }
  }
  return {
    a,
    offers,
    noMatch:
      !ref &&
      /\b(no|not find|couldnt find|could not find|cant find|cannot find|unable to find|dont have|do not have|there are no|there is no|nothing)\b[a-z0-9 ]{0,60}\b(match|matches|matching|results?|options?|available|restaurants?|hotels?|trains?|attractions?|guest ?houses?|places?|entries|listings?)\b/.test(
        n,
      ) &&
      !/\bno problem\b/.test(n),
    reference: ref?.[1],
    booked:
      !bookFailed &&
      (!!ref ||
        /\b(is|are|have been|has been|successfully) (booked|reserved|confirmed)\b|\bi (have|ve) (booked|reserved)\b/.test(
          n,
        )),
    bookFailed,
    asks,
    offerBook:
      /\b(shall|should|would you like|do you want|want me to|can i|may i) (i |me to )?(book|reserve|make a (booking|reservation))\b/.test(
        n,
      ),
    anythingElse: /\banything else\b|\bsomething else\b|\bhelp you with\b/.test(n),
    bye: /\b(goodbye|bye|have a (great|nice|good) (day|trip|stay))\b/.test(n),
    error: /^(error|failure)\b/i.test(text.trim()),
  };
}
