// The value rules every ToolWOZ check shares (spec 4.4, 4.5): which spellings mean "no value",
// how strings are normalised before comparing, and isSubset. Pure (no imports): the workflow
// sandbox loads it through scoring.ts.

/** Spellings MultiWOZ annotators and callers use for "no constraint". */
export const EMPTY_VALUES: ReadonlySet<string> = new Set([
  '',
  'dont care',
  "don't care",
  "do n't care",
  'dontcare',
  'not mentioned',
]);

/** Lower-case and drop apostrophes; non-strings compare as they are (a number never equals a string). */
export function normalizeValue(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase().replace(/'/g, '') : value;
}

/** Empty is judged on the value as written and after normalising, so "Don't Care" and "do n't care"
 * are both empty wherever a value is tested (filtering, isSubset, scoring). */
export function isEmptyValue(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return EMPTY_VALUES.has(value.toLowerCase()) || EMPTY_VALUES.has(normalizeValue(value) as string);
}

/** isSubset(sub, main): every non-empty key/value of `sub` is in `main` with an equal normalised,
 * non-empty value. Empty values are dropped on both sides first. */
export function isSubset(sub: Record<string, unknown>, main: Record<string, unknown>): boolean {
  for (const [key, value] of Object.entries(sub)) {
    if (isEmptyValue(value)) continue;
    if (!Object.prototype.hasOwnProperty.call(main, key)) return false;
    const other = main[key];
    if (isEmptyValue(other) || normalizeValue(other) !== normalizeValue(value)) return false;
  }
  return true;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The field that identifies a bookable entity: trains by trainID, everything else by name. */
export const uniqueIdKey = (domain: string): string => (domain === 'train' ? 'trainID' : 'name');

/** `search_hotel` → { action: 'search', domain: 'hotel' }. */
export function splitApiName(name: string): { action: string; domain: string } {
  const i = name.indexOf('_');
  return i < 0 ? { action: name, domain: '' } : { action: name.slice(0, i), domain: name.slice(i + 1) };
}
