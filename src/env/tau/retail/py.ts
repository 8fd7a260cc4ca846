// How τ-bench's retail tools treat arguments of the wrong JSON type, so a model's malformed call
// gets the text Python would produce: `x in dict` with a list is "unhashable type", iterating a
// number is "not iterable", and a non-string id is simply not found.
import { isDict, pyStr, pyTypeName, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError } from '../core/types';

/** A dict key to look up for `value in table`: undefined when it cannot be present. */
export function lookupKey(value: PyValue): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) || isDict(value)) throw new ToolError(`unhashable type: '${pyTypeName(value)}'`);
  return undefined; // ints, floats, bools, None are hashable but never equal a JSON (string) key
}

/** The elements `for x in value` visits (a string iterates its characters, a dict its keys). */
export function iterate(value: PyValue): PyValue[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (isDict(value)) return [...value.keys()];
  throw new ToolError(`'${pyTypeName(value)}' object is not iterable`);
}

/** `seq.count(x)` for the item-id lists (== comparison, as Python's list.count). */
export function count(seq: readonly PyValue[], x: PyValue): number {
  return seq.filter((y) => y === x).length;
}

/** `sorted(values)` for ids: strings by code point, or numbers; mixed types fail as in Python. */
export function sortedIds(values: readonly PyValue[]): PyValue[] {
  const strs = values.every((v) => typeof v === 'string');
  const nums = values.every((v) => typeof v === 'number');
  if (!strs && !nums && values.length > 1) {
    const a = values.find((v) => typeof v !== typeof values[0]) as PyValue;
    throw new ToolError(
      `'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(values[0])}'`,
    );
  }
  const out = [...values];
  if (strs) return out.sort((a, b) => codePointCompare(a as string, b as string));
  return out.sort((a, b) => (a as number) - (b as number));
}

function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** `value.lower()`: AttributeError for a non-string, as Python's. */
export function lower(value: PyValue): string {
  if (typeof value !== 'string')
    throw new ToolError(`'${pyTypeName(value)}' object has no attribute 'lower'`);
  return value.toLowerCase();
}

/** `f"{value}"` for an error text. */
export function fmt(value: PyValue): string {
  return pyStr(value);
}

/** A field of a record known to be a dict (the data is τ-bench's own, so this is a bug if not). */
export function field(record: PyValue | undefined, key: string): PyValue {
  if (!isDict(record)) throw new Error(`expected a record with "${key}"`);
  return record.get(key) as PyValue;
}

export function dict(value: PyValue | undefined): PyDict {
  if (!isDict(value)) throw new Error('expected a record');
  return value;
}
