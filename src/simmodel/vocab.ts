// The model's "world knowledge": a phrase trie over the ToolWOZ databases (entity names, food
// types, areas, stations, ...) plus hand-written synonyms, built once per database so reading a
// message costs O(words × phrase length), never a scan of the DB.
import type { DbRow, ToolwozDb } from '../env/toolwoz/db';
import { DOMAINS, type Domain, type Slot } from './ontology';

export type Lexeme =
  | { kind: 'domain'; domain: Domain }
  | { kind: 'value'; slot: Slot; value: string; domain?: Domain }
  | { kind: 'name'; domain: Domain; value: string; needsCue: boolean }
  | { kind: 'station'; value: string };

interface TrieNode {
  next: Map<string, TrieNode>;
  lex?: Lexeme;
}

/** Lower-case, apostrophes dropped, `&` spelled out, every other non-word character a space. */
export function normText(s: string): string {
  return s
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9:]+/g, ' ')
    .trim();
}

export function tokens(s: string): string[] {
  const n = normText(s);
  return n ? n.split(' ') : [];
}

// General cuisine words a model knows beyond the 23 the DB serves: callers ask for them, searches
// for them come back empty, and that is how "if there is no such restaurant" goals play out.
const EXTRA_FOODS = [
  'afghan',
  'american',
  'australasian',
  'australian',
  'austrian',
  'barbeque',
  'basque',
  'belgian',
  'brazilian',
  'british',
  'cantonese',
  'caribbean',
  'catalan',
  'christmas',
  'corsica',
  'creative',
  'crossover',
  'cuban',
  'danish',
  'eastern european',
  'english',
  'eritrean',
  'ethiopian',
  'fusion',
  'german',
  'greek',
  'halal',
  'hungarian',
  'indonesian',
  'irish',
  'jamaican',
  'kosher',
  'malaysian',
  'moroccan',
  'persian',
  'polish',
  'polynesian',
  'romanian',
  'russian',
  'scandinavian',
  'scottish',
  'singaporean',
  'steakhouse',
  'swedish',
  'swiss',
  'traditional',
  'tuscan',
  'unusual',
  'vegetarian',
  'venetian',
  'welsh',
  'world',
  'bistro',
  'canapes',
  'panasian',
  'pan asian',
  'asian',
  'chinese takeaway',
  'light bites',
  'mexican',
  'middle eastern',
  // Cuisine names that contain an area word must be whole phrases, or "north" would be read as an area.
  'north indian',
  'south indian',
  'north african',
  'south african',
  'northern european',
  'eastern european',
  'the americas',
  'latin american',
  'modern american',
  'modern eclectic',
  'modern global',
  'new zealand',
  'sri lankan',
  'afternoon tea',
  'molecular gastronomy',
];

const DOMAIN_WORDS: Record<Domain, string[]> = {
  restaurant: [
    'restaurant',
    'restaurants',
    'place to dine',
    'place to eat',
    'somewhere to eat',
    'something to eat',
    'dine',
    'dining',
    'eat',
    'table',
    'cuisine',
  ],
  hotel: [
    'hotel',
    'hotels',
    'place to stay',
    'places to stay',
    'somewhere to stay',
    'accommodation',
    'accommodations',
    'lodging',
    'room',
    'rooms',
  ],
  attraction: [
    'attraction',
    'attractions',
    'places to go',
    'place to go',
    'something to do',
    'things to do',
    'to visit',
    'sightseeing',
    'sights',
  ],
  train: ['train', 'trains', 'rail', 'railway'],
};

const AREA_WORDS: Record<string, string[]> = {
  centre: [
    'centre',
    'center',
    'city centre',
    'city center',
    'town centre',
    'town center',
    'central',
    'downtown',
  ],
  north: ['north', 'northern', 'north side'],
  south: ['south', 'southern', 'south side'],
  east: ['east', 'eastern', 'east side'],
  west: ['west', 'western', 'west side'],
};

const PRICE_WORDS: Record<string, string[]> = {
  cheap: ['cheap', 'inexpensive', 'budget', 'low cost', 'cheaply priced', 'cheaper'],
  moderate: [
    'moderate',
    'moderately',
    'moderately priced',
    'mid range',
    'midrange',
    'mid priced',
    'reasonably priced',
  ],
  expensive: ['expensive', 'upscale', 'high end', 'pricey', 'luxury', 'fancy'],
};

const ATTRACTION_TYPE_WORDS: Record<string, string[]> = {
  architecture: ['architecture', 'architectural', 'architecture attraction'],
  boat: ['boat', 'boats', 'boating', 'boat attraction'],
  cinema: ['cinema', 'cinemas', 'movie theatre', 'movies'],
  college: ['college', 'colleges'],
  concerthall: ['concerthall', 'concert hall', 'concert halls', 'concerthalls'],
  entertainment: ['entertainment'],
  museum: ['museum', 'museums'],
  'mutliple sports': ['mutliple sports', 'multiple sports', 'sports'],
  nightclub: ['nightclub', 'nightclubs', 'night club', 'night clubs', 'club'],
  park: ['park', 'parks'],
  swimmingpool: ['swimmingpool', 'swimming pool', 'swimming pools', 'swimmingpools', 'pool'],
  theatre: ['theatre', 'theatres', 'theater', 'theaters'],
};

const STATION_ALIASES: Record<string, string[]> = {
  'london kings cross': ['kings cross'],
  'london liverpool street': ['liverpool street'],
  'birmingham new street': ['birmingham'],
  'stansted airport': ['stansted'],
};

/** Names that are also ordinary phrases: only taken as a name right after "called", "named", ... */
const CUE_ONLY_NAMES = new Set(['the place', 'the junction', 'ask restaurant', 'home from home']);

export interface World {
  db: ToolwozDb;
  root: TrieNode;
  /** normalised name → row, per domain (names and their aliases). */
  entities: Record<Domain, Map<string, DbRow>>;
  /** Train rows by id; a few ids repeat on other days or routes, hence a list. */
  trains: Map<string, DbRow[]>;
  /** Values seen per (domain, slot), for plausible wrong values in the error model. */
  values: Map<string, string[]>;
  foods: string[];
  stations: string[];
  maxPhrase: number;
}

function insert(world: World, phrase: string, lex: Lexeme, override = false): void {
  const toks = tokens(phrase);
  if (toks.length === 0) return;
  let node = world.root;
  for (const t of toks) {
    let child = node.next.get(t);
    if (!child) {
      child = { next: new Map() };
      node.next.set(t, child);
    }
    node = child;
  }
  if (!node.lex || override) node.lex = lex;
  world.maxPhrase = Math.max(world.maxPhrase, toks.length);
}

function distinct(rows: DbRow[], key: string): string[] {
  const out = new Set<string>();
  for (const r of rows) {
    const v = r[key];
    if (typeof v === 'string' && v && v !== '?') out.add(v.toLowerCase());
  }
  return [...out].sort();
}

const cache = new WeakMap<ToolwozDb, World>();

export function buildWorld(db: ToolwozDb): World {
  const hit = cache.get(db);
  if (hit) return hit;
  const world: World = {
    db,
    root: { next: new Map() },
    entities: { restaurant: new Map(), hotel: new Map(), attraction: new Map(), train: new Map() },
    trains: new Map(),
    values: new Map(),
    foods: [],
    stations: [],
    maxPhrase: 1,
  };
  // Entity names first: where a name contains a vocabulary word ("pizza hut city centre"), the
  // longest match wins anyway, but an exact clash ("cambridge") keeps the earlier entry.
  for (const domain of ['restaurant', 'hotel', 'attraction'] as const) {
    for (const row of db[domain]) {
      const name = typeof row.name === 'string' ? row.name.toLowerCase() : '';
      if (!name) continue;
      const key = normText(name);
      world.entities[domain].set(key, row);
      insert(world, name, { kind: 'name', domain, value: name, needsCue: CUE_ONLY_NAMES.has(key) }, true);
    }
  }
  for (const row of db.train) {
    if (typeof row.trainID !== 'string') continue;
    const id = row.trainID.toUpperCase();
    const list = world.trains.get(id);
    if (list) list.push(row);
    else world.trains.set(id, [row]);
  }

  for (const [domain, words] of Object.entries(DOMAIN_WORDS) as [Domain, string[]][]) {
    for (const w of words) insert(world, w, { kind: 'domain', domain });
  }
  for (const [value, words] of Object.entries(AREA_WORDS)) {
    for (const w of words) insert(world, w, { kind: 'value', slot: 'area', value });
  }
  for (const [value, words] of Object.entries(PRICE_WORDS)) {
    for (const w of words) insert(world, w, { kind: 'value', slot: 'pricerange', value });
  }
  for (const [value, words] of Object.entries(ATTRACTION_TYPE_WORDS)) {
    for (const w of words) insert(world, w, { kind: 'value', slot: 'type', value, domain: 'attraction' });
  }
  for (const w of [
    'guesthouse',
    'guesthouses',
    'guest house',
    'guest houses',
    'bed and breakfast',
    'b and b',
  ]) {
    insert(world, w, { kind: 'value', slot: 'type', value: 'guesthouse', domain: 'hotel' });
  }
  world.foods = [...new Set([...distinct(db.restaurant, 'food'), ...EXTRA_FOODS])].sort();
  for (const f of world.foods)
    insert(world, f, { kind: 'value', slot: 'food', value: f, domain: 'restaurant' });
  world.stations = [
    ...new Set([...distinct(db.train, 'departure'), ...distinct(db.train, 'destination')]),
  ].sort();
  for (const s of world.stations) insert(world, s, { kind: 'station', value: s });
  for (const [s, aliases] of Object.entries(STATION_ALIASES)) {
    for (const a of aliases) insert(world, a, { kind: 'station', value: s });
  }
  // Aliases people use for names: without a leading "the". Added last so they never shadow a
  // vocabulary word.
  for (const domain of ['restaurant', 'hotel', 'attraction'] as const) {
    for (const [key, row] of world.entities[domain]) {
      if (key.startsWith('the ') && key.split(' ').length > 2) {
        const alias = key.slice(4);
        insert(world, alias, {
          kind: 'name',
          domain,
          value: String(row.name).toLowerCase(),
          needsCue: false,
        });
        if (!world.entities[domain].has(alias)) world.entities[domain].set(alias, row);
      }
    }
  }

  for (const domain of DOMAINS) {
    const rows = db[domain];
    for (const slot of [
      'area',
      'pricerange',
      'food',
      'type',
      'stars',
      'parking',
      'internet',
      'day',
      'departure',
      'destination',
      'leaveAt',
      'arriveBy',
    ]) {
      const vs = distinct(rows, slot);
      if (vs.length) world.values.set(`${domain}.${slot}`, vs);
    }
    world.values.set(`${domain}.name`, distinct(rows, domain === 'train' ? 'trainID' : 'name'));
  }
  cache.set(db, world);
  return world;
}

/** Greedy longest-match of vocabulary phrases over a token list. */
export function scanPhrases(world: World, toks: string[]): { lex: Lexeme; start: number; end: number }[] {
  const hits: { lex: Lexeme; start: number; end: number }[] = [];
  let i = 0;
  while (i < toks.length) {
    let node: TrieNode | undefined = world.root;
    let best: { lex: Lexeme; end: number } | undefined;
    for (let j = i; j < toks.length && j - i < world.maxPhrase; j++) {
      node = node.next.get(toks[j]);
      if (!node) break;
      if (node.lex) best = { lex: node.lex, end: j + 1 };
    }
    if (best) {
      hits.push({ lex: best.lex, start: i, end: best.end });
      i = best.end;
    } else i++;
  }
  return hits;
}

/** A place by name, or a train by id; `hints` (values said alongside) pick among trains that
 * share an id. */
export function findEntity(
  world: World,
  domain: Domain,
  nameOrId: string,
  hints: { slot: string; value: string }[] = [],
): DbRow | undefined {
  if (domain !== 'train') return world.entities[domain].get(normText(nameOrId));
  const rows = world.trains.get(nameOrId.toUpperCase());
  if (!rows || rows.length < 2) return rows?.[0];
  const score = (r: DbRow): number => hints.filter((h) => r[h.slot] === h.value).length;
  return rows.reduce((best, r) => (score(r) > score(best) ? r : best));
}
