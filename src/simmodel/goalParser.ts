// Reads a caller's goal from its instruction sentences (the templated MultiWOZ goal messages,
// markup stripped or not): per domain, in the order the sentences introduce them, the search
// constraints, the booking, the fallbacks to try when a search or booking fails, and what to ask
// for. Cross-references ("same price range as the hotel") are resolved from earlier sentences,
// or from the DB when the earlier domain names its place; what only the conversation can settle
// is left as a reference for the user policy.
import { type BookSlot, type Domain, type SearchSlot, WEEKDAYS } from './ontology';
import { type World, findEntity } from './vocab';

export interface CrossRef {
  slot: SearchSlot | BookSlot;
  /** 'info' refers to the other domain's constraint or place, 'book' to its booking. */
  kind: 'info' | 'book';
  from: Domain;
  /** The attribute of the other domain (area, pricerange, day, people). */
  attr: string;
}

export interface DomainGoal {
  domain: Domain;
  /** The constraints the caller ends up wanting (after any fallback). */
  info: Partial<Record<SearchSlot, string>>;
  /** The constraints it starts with when a fallback is given (they find nothing). */
  failInfo?: Partial<Record<SearchSlot, string>>;
  book?: Partial<Record<BookSlot, string>>;
  /** The booking it asks for first when a fallback is given (it fails). */
  failBook?: Partial<Record<BookSlot, string>>;
  /** Attributes to ask about (phone, address, ...); `reference` when a booking reference is wanted. */
  reqt: string[];
  /** Values to take from another domain that the sentences alone do not settle. */
  refs: CrossRef[];
}

export interface ParsedGoal {
  domains: DomainGoal[];
}

const DOMAIN_NOUNS: [RegExp, Domain][] = [
  [/\b(place to stay|hotel|guesthouse)\b/, 'hotel'],
  [/\b(place to dine|restaurant)\b/, 'restaurant'],
  [/\b(places to go|attraction)\b/, 'attraction'],
  [/\btrain\b/, 'train'],
];

const REQT_WORDS: [RegExp, string][] = [
  [/reference/, 'reference'],
  [/phone|contact number/, 'phone'],
  [/address/, 'address'],
  [/postcode|post code/, 'postcode'],
  [/price range/, 'pricerange'],
  [/entrance fee/, 'entrance fee'],
  [/\bprice\b/, 'price'],
  [/\barea\b/, 'area'],
  [/food type/, 'food'],
  [/hotel type|attraction type/, 'type'],
  [/star/, 'stars'],
  [/internet|wifi/, 'internet'],
  [/parking/, 'parking'],
  [/travel time|duration/, 'duration'],
  [/arrival time/, 'arriveBy'],
  [/departure time/, 'leaveAt'],
  [/train id/, 'trainID'],
];

export function stripMarkup(s: string): string {
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function domainOf(phrase: string): Domain | undefined {
  for (const [re, d] of DOMAIN_NOUNS) if (re.test(phrase)) return d;
  return undefined;
}

const WEEKDAY = new RegExp(`^(${WEEKDAYS.join('|')})$`);

/** Parses one constraint clause ("serve indian food", "be in the cheap price range", ...). */
function constraint(
  clause: string,
  domain: Domain,
  g: DomainGoal,
): Partial<Record<SearchSlot, string>> | undefined {
  const c = clause.replace(/^(should|does|is)\s+/, '').trim();
  let m: RegExpExecArray | null;
  const ref = (slot: SearchSlot, from: string, attr: string): Partial<Record<SearchSlot, string>> => {
    const d = domainOf(from);
    if (d) g.refs.push({ slot, kind: /booking/.test(from) ? 'book' : 'info', from: d, attr });
    return {};
  };
  if ((m = /^(?:serves?|that serves) (.+?) food$/.exec(c))) return { food: m[1] };
  if ((m = /^be in the same price range as the (\w+)/.exec(c))) return ref('pricerange', m[1], 'pricerange');
  if ((m = /^be in the same area as the (\w+)/.exec(c))) return ref('area', m[1], 'area');
  if ((m = /^be on the same day as the (.+)$/.exec(c))) return ref('day', m[1], 'day');
  if ((m = /^(?:be )?in the (\w+) price range$/.exec(c))) return { pricerange: m[1] };
  if ((m = /^(?:be )?in the type of (.+)$/.exec(c))) return { type: m[1] };
  if ((m = /^(?:be )?in the (centre|north|south|east|west)$/.exec(c))) return { area: m[1] };
  if ((m = /^(?:be )?in (centre|north|south|east|west)$/.exec(c))) return { area: m[1] };
  if (/^(?:include|has|have) free parking$/.test(c)) return { parking: 'yes' };
  if (/^(?:include|has|have) free wifi$/.test(c)) return { internet: 'yes' };
  if (/^(?:doesn't|does not|don't) need to (?:have|include) (?:free )?parking$/.test(c))
    return { parking: 'no' };
  if (/^(?:doesn't|does not|don't) need to (?:have|include) (?:free )?(?:internet|wifi)$/.test(c))
    return { internet: 'no' };
  if ((m = /^(?:have|has) a star of (\d)$/.exec(c))) return { stars: m[1] };
  if ((m = /^(?:leave|be) on (\w+)$/.exec(c)) && WEEKDAY.test(m[1])) return { day: m[1] };
  if ((m = /^leave after (\d{1,2}:\d{2})$/.exec(c))) return { leaveAt: m[1] };
  if ((m = /^arrive by (\d{1,2}:\d{2})$/.exec(c))) return { arriveBy: m[1] };
  if ((m = /^go to (.+)$/.exec(c))) return { destination: m[1] };
  if ((m = /^depart from (.+)$/.exec(c))) return { departure: m[1] };
  void domain;
  return undefined;
}

function sameBooking(goal: ParsedGoal, before: DomainGoal, slot: BookSlot): string | undefined {
  const i = goal.domains.indexOf(before);
  for (let k = i - 1; k >= 0; k--) {
    const other = goal.domains[k];
    // A train's booking has no day: "the same day" is then the day it travels.
    const v = other.book?.[slot] ?? (slot === 'day' ? other.info.day : undefined);
    if (v) return v;
  }
  return undefined;
}

function bookValue(goal: ParsedGoal, g: DomainGoal, slot: BookSlot, text: string): string | undefined {
  if (/same group/.test(text) || /^the same day$/.test(text)) return sameBooking(goal, g, slot);
  const m = /^(\d+) (?:people|nights?)$/.exec(text);
  if (m) return m[1];
  return text;
}

export function parseGoal(sentences: string[], world?: World): ParsedGoal {
  const goal: ParsedGoal = { domains: [] };
  let current: DomainGoal | undefined;
  const domainGoal = (d: Domain): DomainGoal => {
    let g = goal.domains.find((x) => x.domain === d);
    if (!g) {
      g = { domain: d, info: {}, reqt: [], refs: [] };
      goal.domains.push(g);
    }
    return g;
  };
  for (const raw of sentences) {
    let s = stripMarkup(raw).replace(/^-\s*/, '').replace(/\.$/, '');
    let m: RegExpExecArray | null;
    if ((m = /^You are (?:also )?looking for (?:an? )?(.+?)\. (.*)$/.exec(s))) {
      const d = domainOf(m[1]);
      if (!d) continue;
      current = domainGoal(d);
      s = m[2];
    }
    if ((m = /^Its name is called (.+)$/.exec(s)) && current) {
      current.info.name = m[1].toLowerCase();
      continue;
    }
    if ((m = /^The (hotel|restaurant|attraction|train) (.+)$/.exec(s))) {
      current = domainGoal(m[1] as Domain);
      for (const clause of m[2].split(
        /\s+and\s+(?=should\b|doesn't\b|does\b|has\b|is\b|be\b|include\b|have\b)/,
      )) {
        Object.assign(current.info, constraint(clause, current.domain, current) ?? {});
      }
      continue;
    }
    if ((m = /^Once you find the (\w+) you want to (.+)$/.exec(s))) {
      const d = domainOf(m[1]) ?? current?.domain;
      if (!d) continue;
      current = domainGoal(d);
      const g = current;
      const book: Partial<Record<BookSlot, string>> = {};
      const rest = m[2];
      let b: RegExpExecArray | null;
      if ((b = /book a table for (.+) at (\d{1,2}:\d{2}) on (.+)$/.exec(rest))) {
        book.people = bookValue(goal, g, 'people', b[1]);
        book.time = b[2];
        book.day = bookValue(goal, g, 'day', b[3]);
      } else if ((b = /book it for (.+) and (\d+) nights? starting from (.+)$/.exec(rest))) {
        book.people = bookValue(goal, g, 'people', b[1]);
        book.stay = b[2];
        book.day = bookValue(goal, g, 'day', b[3]);
      } else if ((b = /make a booking for (.+)$/.exec(rest))) {
        book.people = bookValue(goal, g, 'people', b[1]);
      }
      g.book = book;
      continue;
    }
    if ((m = /^If the booking fails how about (.+)$/.exec(s)) && current?.book) {
      const v = m[1];
      const slot: BookSlot = /^\d{1,2}:\d{2}$/.test(v) ? 'time' : /nights?$/.test(v) ? 'stay' : 'day';
      current.failBook = { ...current.book };
      current.book = { ...current.book, [slot]: slot === 'stay' ? v.replace(/\D/g, '') : v };
      continue;
    }
    if ((m = /^If there is no such (\w+), how about (.+)$/.exec(s))) {
      const d = domainOf(m[1]) ?? current?.domain;
      if (!d) continue;
      current = domainGoal(d);
      const alt = constraint(m[2].replace(/^one that /, ''), d, current);
      if (alt) {
        current.failInfo = { ...current.info };
        Object.assign(current.info, alt);
      }
      continue;
    }
    if ((m = /^Make sure you get (.+)$/.exec(s)) && current) {
      for (const item of m[1].split(/,\s*(?:and\s+)?|\s+and\s+/)) {
        const r = REQT_WORDS.find(([re]) => re.test(item.toLowerCase()));
        if (r && !current.reqt.includes(r[1])) current.reqt.push(r[1]);
      }
      continue;
    }
  }
  resolveRefs(goal, world);
  return goal;
}

/** Settles cross-references from the other domain's parsed values, or its named place in the DB. */
export function resolveRefs(
  goal: ParsedGoal,
  world?: World,
  places?: Partial<Record<Domain, Record<string, unknown>>>,
): void {
  for (const g of goal.domains) {
    g.refs = g.refs.filter((r) => {
      const other = goal.domains.find((x) => x.domain === r.from);
      let v: unknown;
      if (r.kind === 'book') v = other?.book?.[r.attr as BookSlot];
      else {
        v = other?.info[r.attr as SearchSlot];
        const place =
          places?.[r.from] ??
          (world && other?.info.name ? findEntity(world, r.from, other.info.name) : undefined);
        if (v === undefined && place) v = place[r.attr];
      }
      if (typeof v !== 'string' || !v) return true;
      const slot = r.slot;
      if (slot === 'people' || slot === 'time' || slot === 'stay') return true;
      g.info[slot] = v;
      if (g.failInfo && g.failInfo[slot] === undefined) g.failInfo[slot] = v;
      return false;
    });
  }
}
