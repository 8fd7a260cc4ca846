// Reading utterances: finds slot values in free text with the DB vocabulary (phrase trie) plus a
// few patterns for numbers, times, stars, yes/no amenities and station directions. Both sides
// use it: the agent reads the caller, the caller reads the agent. Results are cached per text
// because every request re-reads the whole (mostly unchanged) conversation.
import { type Domain, type Slot, WEEKDAYS } from './ontology';
import { type World, normText, scanPhrases } from './vocab';

export interface Mention {
  slot: Slot;
  value: string;
  /** The domain the value itself implies (a food type → restaurant), if any. */
  domain?: Domain;
  pos: number;
}

export interface Analysis {
  /** Domain words in order of appearance. */
  domains: { domain: Domain; pos: number }[];
  mentions: Mention[];
  /** Per sentence: normalised text and whether it is a question. */
  sentences: { text: string; question: boolean; start: number }[];
  norm: string;
}

const NUMBER_WORDS: Record<string, string> = {
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  zero: '0',
};
const NUM = '(\\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|zero)';
const num = (s: string): string => NUMBER_WORDS[s] ?? s;

const LEAVE_CUES = new Set([
  'after',
  'leave',
  'leaving',
  'leaves',
  'depart',
  'departing',
  'departs',
  'departure',
  'from',
]);
const ARRIVE_CUES = new Set(['by', 'before', 'arrive', 'arriving', 'arrives', 'arrival', 'until', 'there']);
const FROM_CUES = new Set([
  'from',
  'leaving',
  'leave',
  'leaves',
  'depart',
  'departing',
  'departs',
  'departure',
]);
const TO_CUES = new Set([
  'to',
  'into',
  'going',
  'arrive',
  'arriving',
  'arrives',
  'destination',
  'heading',
  'towards',
  'in',
  'at',
]);
const NAME_CUES = new Set(['called', 'named', 'visit', 'about', 'book', 'at']);
const NEGATORS = new Set(['no', 'not', 'doesnt', 'dont', 'without', 'neednt', 'isnt', 'nt', 'never']);
// Words before "food" that are not a cuisine ("some good food", "the same food").
const FOOD_STOP = new Set(
  'the some good any of local nice great fast serve serves that what which type kind your their delicious tasty no have different other'.split(
    ' ',
  ),
);
const WEEKDAY_SET = new Set<string>(WEEKDAYS);

function cueBefore(toks: string[], at: number, lo: number, sets: Set<string>[]): number {
  // Index into `sets` of the nearest cue word before `at` (within 5 tokens, same sentence), or -1.
  for (let k = at - 1; k >= Math.max(lo, at - 5); k--) {
    for (let s = 0; s < sets.length; s++) if (sets[s].has(toks[k])) return s;
  }
  return -1;
}

// "no preference about the parking" is not "no parking".
const INDIFFERENT = new Set(['care', 'matter', 'preference', 'preferences', 'mind', 'fussed']);
const CLAUSE_BREAKS = new Set(['and', 'but', 'or', 'with', 'in']);

/** "doesn't need to have free parking", "without internet" — but not "no guesthouse with parking". */
function negatedBefore(toks: string[], at: number, lo: number): boolean {
  for (let k = at - 1; k >= Math.max(lo, at - 5); k--) {
    if (NEGATORS.has(toks[k])) return true;
    if (CLAUSE_BREAKS.has(toks[k])) return false;
  }
  return false;
}

function to24h(h: string, m: string | undefined, ampm: string): string {
  let hh = Number(h) % 12;
  if (ampm === 'pm') hh += 12;
  return `${String(hh).padStart(2, '0')}:${m ?? '00'}`;
}

/** Splits raw text into sentences, remembering which are questions. */
function splitSentences(text: string): { raw: string; question: boolean }[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((raw) => ({ raw, question: raw.endsWith('?') }));
}

const caches = new WeakMap<World, Map<string, Analysis>>();
const CACHE_MAX = 50_000;

export function analyse(world: World, text: string): Analysis {
  let cache = caches.get(world);
  if (!cache) {
    cache = new Map();
    caches.set(world, cache);
  }
  const hit = cache.get(text);
  if (hit) return hit;
  const result = analyseUncached(world, text);
  // A plain bound, not an LRU: conversations are short-lived and a rebuild is cheap.
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(text, result);
  return result;
}

function analyseUncached(world: World, text: string): Analysis {
  const domains: Analysis['domains'] = [];
  const mentions: Mention[] = [];
  const sentences: Analysis['sentences'] = [];
  const all: string[] = [];
  for (const s of splitSentences(text)) {
    const norm = normText(s.raw);
    if (!norm) continue;
    const toks = norm.split(' ');
    const start = all.length;
    all.push(...toks);
    sentences.push({ text: norm, question: s.question, start });
    readSentence(world, toks, start, domains, mentions);
  }
  mentions.sort((a, b) => a.pos - b.pos);
  return { domains, mentions, sentences, norm: all.join(' ') };
}

function readSentence(
  world: World,
  toks: string[],
  offset: number,
  domains: Analysis['domains'],
  mentions: Mention[],
): void {
  const add = (slot: Slot, value: string, pos: number, domain?: Domain): void => {
    mentions.push({ slot, value, pos: offset + pos, domain });
  };
  const stations: { value: string; pos: number; dir: number }[] = [];
  let sawFood = false;
  let sawName = false;
  for (const h of scanPhrases(world, toks)) {
    const lex = h.lex;
    if (lex.kind === 'domain') domains.push({ domain: lex.domain, pos: offset + h.start });
    else if (lex.kind === 'value') {
      // "a park" is a type, "parks" too; but "college" inside "the college's address" is fine as well.
      add(lex.slot, lex.value, h.start, lex.domain);
      if (lex.slot === 'food') sawFood = true;
    } else if (lex.kind === 'name') {
      // A name that is also a common phrase counts after "called", "book", ... or opening a sentence.
      if (lex.needsCue && h.start > 0 && !NAME_CUES.has(toks[h.start - 1])) continue;
      add('name', lex.value, h.start, lex.domain);
      sawName = true;
    } else {
      stations.push({
        value: lex.value,
        pos: h.start,
        dir: cueBefore(toks, h.start, 0, [FROM_CUES, TO_CUES]),
      });
    }
  }
  // A station without a direction word takes the side the other station in the sentence left free.
  for (const st of stations) {
    let dir = st.dir;
    if (dir < 0) {
      const other = stations.find((o) => o !== st && o.dir >= 0);
      if (other) dir = 1 - other.dir;
      else if (st.value === 'cambridge') continue;
      else dir = 1;
    }
    add(dir === 0 ? 'departure' : 'destination', st.value, st.pos, 'train');
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (WEEKDAY_SET.has(t)) add('day', t, i);
    const tm = /^(\d{1,2}):(\d{2})$/.exec(t);
    if (tm) {
      const cue = cueBefore(toks, i, 0, [LEAVE_CUES, ARRIVE_CUES]);
      add(cue === 0 ? 'leaveAt' : cue === 1 ? 'arriveBy' : 'time', t, i);
    }
    if (t === 'parking' || t === 'wifi' || t === 'internet' || (t === 'fi' && toks[i - 1] === 'wi')) {
      const slot = t === 'parking' ? 'parking' : 'internet';
      if (toks[i + 1] === 'is' && (toks[i + 2] === 'not' || toks[i + 2] === 'optional'))
        add(slot, 'no', i, 'hotel');
      else if (toks.slice(Math.max(0, i - 4), i).some((w) => INDIFFERENT.has(w))) continue;
      else add(slot, negatedBefore(toks, i, 0) ? 'no' : 'yes', i, 'hotel');
    }
  }
  const norm = toks.join(' ');
  const posOf = (index: number): number => (norm.slice(0, index).match(/ /g) ?? []).length;
  for (const m of norm.matchAll(/\b(\d{1,2})(?::(\d{2}))? ?(am|pm)\b/g)) {
    const i = posOf(m.index);
    const cue = cueBefore(toks, i, 0, [LEAVE_CUES, ARRIVE_CUES]);
    add(cue === 0 ? 'leaveAt' : cue === 1 ? 'arriveBy' : 'time', to24h(m[1], m[2], m[3]), i);
  }
  for (const m of norm.matchAll(
    new RegExp(
      `\\b${NUM} (?:people|persons|person|guests|adults|of us|ppl|tickets|seats|passengers)\\b`,
      'g',
    ),
  )) {
    add('people', num(m[1]), posOf(m.index));
  }
  for (const m of norm.matchAll(
    new RegExp(
      `\\b(?:party of|group of|table for|for a group of) ${NUM}\\b(?! (?:nights?|days?|stars?))`,
      'g',
    ),
  )) {
    add('people', num(m[1]), posOf(m.index));
  }
  for (const m of norm.matchAll(/\b(?:just me|only me|myself)\b/g)) add('people', '1', posOf(m.index));
  for (const m of norm.matchAll(new RegExp(`\\b${NUM} (?:nights?|days?)\\b`, 'g'))) {
    add('stay', num(m[1]), posOf(m.index), 'hotel');
  }
  for (const m of norm.matchAll(
    new RegExp(`\\b${NUM} ?stars?\\b|\\bstars? (?:rating )?of ${NUM}\\b|\\brated ${NUM}\\b`, 'g'),
  )) {
    add('stars', num(m[1] ?? m[2] ?? m[3]), posOf(m.index), 'hotel');
  }
  if (
    /\b(?:type of hotel|hotel type|be a hotel|an? (?:proper|actual|real|regular) hotel|hotel rather than|hotel not a|hotel instead of)\b/.test(
      norm,
    )
  ) {
    // "a hotel rather than a guesthouse": the guesthouse is what is *not* wanted.
    for (let k = mentions.length - 1; k >= 0; k--) {
      if (mentions[k].slot === 'type' && mentions[k].value === 'guesthouse' && mentions[k].pos >= offset)
        mentions.splice(k, 1);
    }
    add('type', 'hotel', posOf(norm.search(/hotel/)), 'hotel');
  }
  for (const m of norm.matchAll(/\btr ?(\d{4})\b/g)) add('trainID', `TR${m[1]}`, posOf(m.index), 'train');
  if (!sawFood) {
    const m = /\b(?:serves?|serving|for|some|like|want|eat) ([a-z]+(?: [a-z]+)?) (?:food|cuisine)\b/.exec(
      norm,
    );
    if (m && !FOOD_STOP.has(m[1]) && !FOOD_STOP.has(m[1].split(' ')[0]))
      add('food', m[1].split(' ').pop()!, posOf(m.index), 'restaurant');
  }
  if (!sawName) {
    // A name the model does not know (a misspelling, a place that closed): take it as said.
    const m =
      /\b(?:called|named) ((?:[a-z0-9]+ ?){1,6}?)(?= (?:and|please|in|it|i|is|that|which|for|on)\b|$)/.exec(
        norm,
      );
    if (m && !/^(the )?(same|a|an)\b/.test(m[1])) add('name', m[1].trim(), posOf(m.index) + 1);
  }
}
