// The ToolWOZ task ontology as the simulated model understands it: domains, which slots each
// domain's search and booking take, and the unique id a booking names. Mirrors the tool schemas
// in <dataDir>/toolwoz/data/tools.json (which the model also receives in every agent request).
import { TOOLWOZ_DOMAINS, type ToolwozDomain } from '../env/toolwoz/db';

export type Domain = ToolwozDomain;
export const DOMAINS: readonly Domain[] = TOOLWOZ_DOMAINS;

export type SearchSlot =
  | 'food'
  | 'pricerange'
  | 'name'
  | 'area'
  | 'parking'
  | 'stars'
  | 'internet'
  | 'type'
  | 'leaveAt'
  | 'destination'
  | 'day'
  | 'arriveBy'
  | 'departure';
export type BookSlot = 'people' | 'day' | 'time' | 'stay';
/** Every slot a mention in text can fill; `time` is a clock time whose role depends on the domain. */
export type Slot = SearchSlot | BookSlot | 'trainID';

export const SEARCH_SLOTS: Record<Domain, readonly SearchSlot[]> = {
  restaurant: ['food', 'pricerange', 'name', 'area'],
  hotel: ['name', 'area', 'parking', 'pricerange', 'stars', 'internet', 'type'],
  attraction: ['type', 'name', 'area'],
  train: ['leaveAt', 'destination', 'day', 'arriveBy', 'departure'],
};

export const BOOK_SLOTS: Record<Domain, readonly BookSlot[]> = {
  restaurant: ['time', 'day', 'people'],
  hotel: ['stay', 'day', 'people'],
  attraction: [],
  train: ['people'],
};

/** The argument that names the booked entity. */
export const ENTITY_KEY: Record<Domain, 'name' | 'trainID'> = {
  restaurant: 'name',
  hotel: 'name',
  attraction: 'name',
  train: 'trainID',
};

export const isBookable = (d: Domain): boolean => BOOK_SLOTS[d].length > 0;

export function searchApi(d: Domain): string {
  return `search_${d}`;
}
export function bookApi(d: Domain): string {
  return `book_${d}`;
}

/** `search_hotel` → {kind: 'search', domain: 'hotel'}; undefined for a name outside ToolWOZ. */
export function parseApiName(name: string): { kind: 'search' | 'book'; domain: Domain } | undefined {
  const m = /^(search|book)_(\w+)$/.exec(name);
  if (!m) return undefined;
  const domain = DOMAINS.find((d) => d === m[2]);
  return domain ? { kind: m[1] as 'search' | 'book', domain } : undefined;
}

/** Values that mean "no constraint" in ToolWOZ arguments and goals. */
export const EMPTY_VALUES = new Set([
  '',
  'dont care',
  "don't care",
  'do nt care',
  "do n't care",
  'dontcare',
  'not mentioned',
]);

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** Lower-case, apostrophes removed: how ToolWOZ compares string values. */
export function normValue(v: string): string {
  return v.toLowerCase().replace(/['’]/g, '').trim();
}
