// What a τ domain's database must hold for its tools to run: per table, the shape of one record
// (the fields the tools read, with their JSON types), that the table is not empty, and the
// references between tables the tools follow (an order's user, an item's product). Checked once
// when a DB is loaded, so a truncated or hand-edited data file is one line naming the file, the
// record and the field, never a crash inside a tool halfway through a harvest.
import { isDict, isNumber, type PyDict, type PyValue } from './pyjson';

/** A shape mismatch: where (a path below the table) and what was expected. */
export class ShapeError extends Error {
  constructor(
    readonly at: string,
    readonly expected: string,
    readonly value: PyValue | undefined,
  ) {
    super(`${at}: expected ${expected}`);
  }
}

/** Checks one value at a path; throws a ShapeError. */
export type Check = (v: PyValue | undefined, at: string) => void;

export function fail(at: string, expected: string, value: PyValue | undefined): never {
  throw new ShapeError(at, expected, value);
}

export const str: Check = (v, at) => {
  if (typeof v !== 'string') fail(at, 'a string', v);
};

export const number: Check = (v, at) => {
  if (!isNumber(v)) fail(at, 'a number', v);
};

export const bool: Check = (v, at) => {
  if (typeof v !== 'boolean') fail(at, 'true or false', v);
};

/** Present, whatever its value. */
export const present: Check = (v, at) => {
  if (v === undefined) fail(at, 'a value', v);
};

/** Absent or null, or else as `check` says. */
export const optional =
  (check: Check): Check =>
  (v, at) => {
    if (v !== undefined && v !== null) check(v, at);
  };

/** An object with at least these fields (others are kept, unread); `more` checks across fields. */
export const record =
  (fields: Record<string, Check>, more?: (r: PyDict, at: string) => void): Check =>
  (v, at) => {
    if (!isDict(v)) fail(at, 'an object', v);
    for (const [k, check] of Object.entries(fields)) check(v.get(k), `${at}.${k}`);
    more?.(v, at);
  };

/** A list, each element as `of` says; `nonEmpty` when the tools read its first element. */
export const list =
  (of: Check, nonEmpty = false): Check =>
  (v, at) => {
    if (!Array.isArray(v)) fail(at, nonEmpty ? 'a non-empty array' : 'an array', v);
    if (nonEmpty && v.length === 0) fail(at, 'a non-empty array', v);
    v.forEach((x, i) => of(x, `${at}[${i}]`));
  };

/** An object keyed by id, each value as `of` says. */
export const dictOf =
  (of: Check): Check =>
  (v, at) => {
    if (!isDict(v)) fail(at, 'an object keyed by id', v);
    for (const [k, x] of v) of(x, `${at}.${k}`);
  };

export interface TableSchema {
  /** What the table holds, for the error of an empty one, e.g. "product records keyed by product id". */
  holds: string;
  /** One record (checked at its id). */
  record: Check;
}

export interface DbSchema {
  tables: Readonly<Record<string, TableSchema>>;
  /** The references between tables the tools follow; `fail` names the table the bad record is in. */
  references?(tables: ReadonlyMap<string, PyDict>, fail: (table: string, err: ShapeError) => never): void;
}

/** A ShapeError as the tail of a one-line message: `<at>: expected <what> (got <value>)`. */
export function describeShapeError(e: ShapeError): string {
  const got = e.value === undefined ? 'missing' : `got ${describeValue(e.value)}`;
  return `${e.at}: expected ${e.expected} (${got})`;
}

function describeValue(v: PyValue): string {
  if (isDict(v)) return v.size === 0 ? '{}' : 'an object';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : 'an array';
  if (isNumber(v)) return String(typeof v === 'number' ? v : v.value);
  return JSON.stringify(v).slice(0, 60);
}
