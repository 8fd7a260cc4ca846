// The few Python operations τ-bench's airline tools perform on the agent's arguments, with Python's
// results and Python's exception texts. The tools take whatever JSON the agent sent (a string where a
// number belongs, a list where an id belongs) and τ-bench answers with the exception Python raised,
// so the port must fail at the same step with the same words: `flights["x"]` on a string, `len()` of
// a number, `<` between an int and a str. Each helper throws a ToolError carrying Python's message.
import { isDict, PyFloat, pyFloatRepr, pyTypeName, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError } from '../core/types';

export type PyNum = number | PyFloat;

/** Python's `repr()` of a str: single quotes unless only double quotes avoid escaping. */
export function pyReprStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c > 0x7f && !isPrintable(ch)) out += escapeWide(c);
    else out += ch;
  }
  return out + quote;
}

// str.isprintable(): not in the Unicode categories "Other" or "Separator" (the space excepted).
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;
const isPrintable = (ch: string): boolean => ch === ' ' || !NON_PRINTABLE.test(ch);

function escapeWide(c: number): string {
  if (c <= 0xff) return '\\x' + c.toString(16).padStart(2, '0');
  if (c <= 0xffff) return '\\u' + c.toString(16).padStart(4, '0');
  return '\\U' + c.toString(16).padStart(8, '0');
}

/** Python's `repr()` of a JSON value (how a dict or list prints, and a KeyError's text). */
export function pyRepr(v: PyValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') return pyReprStr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + [...v].map(([k, x]) => `${pyReprStr(k)}: ${pyRepr(x)}`).join(', ') + '}';
}

/** Python's `str()` (what an f-string prints): a str as itself, everything else as its repr. */
export function pyFormat(v: PyValue | undefined): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

// ---- containers ------------------------------------------------------------------------------

/** Raises Python's TypeError for a value used as a dict key that cannot be hashed. */
export function hashable(key: PyValue): void {
  if (Array.isArray(key) || isDict(key)) throw new ToolError(`unhashable type: '${pyTypeName(key)}'`);
}

/** `key in d` for a dict whose keys are strings: only an equal str is found. */
export function dictHas(d: PyDict, key: PyValue): key is string {
  hashable(key);
  return typeof key === 'string' && d.has(key);
}

/** `container[key]` with a str key (records and argument objects), as Python evaluates it. */
export function item(container: PyValue | undefined, key: string): PyValue {
  if (isDict(container)) {
    if (!container.has(key)) throw new ToolError(pyReprStr(key));
    return container.get(key) as PyValue;
  }
  if (typeof container === 'string') throw new ToolError("string indices must be integers, not 'str'");
  if (Array.isArray(container)) throw new ToolError('list indices must be integers or slices, not str');
  throw new ToolError(`'${pyTypeName(container)}' object is not subscriptable`);
}

/** `d[key]` where `key` is any argument value (a KeyError shows the key's repr). */
export function lookup(d: PyDict, key: PyValue): PyValue {
  if (!dictHas(d, key)) throw new ToolError(pyRepr(key));
  return d.get(key as string) as PyValue;
}

/** `len(v)`: characters of a str (code points), entries of a list or dict. */
export function pyLen(v: PyValue): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isDict(v)) return v.size;
  throw new ToolError(`object of type '${pyTypeName(v)}' has no len()`);
}

/** `for x in v`: a list's items, a str's characters, a dict's keys. */
export function pyIter(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (isDict(v)) return [...v.keys()];
  throw new ToolError(`'${pyTypeName(v)}' object is not iterable`);
}

/** `lst.append(v)` / `lst.extend(vs)`: a stored value that is not a list (an agent can book with
 * an empty str or dict as payment methods) has no such method. */
export function pyAppend(list: PyValue, ...values: PyValue[]): void {
  if (!Array.isArray(list)) throw new ToolError(`'${pyTypeName(list)}' object has no attribute 'append'`);
  list.push(...values);
}

export function pyExtend(list: PyValue, values: PyValue[]): void {
  if (!Array.isArray(list)) throw new ToolError(`'${pyTypeName(list)}' object has no attribute 'extend'`);
  list.push(...values);
}

// ---- numbers ---------------------------------------------------------------------------------

/** An int or float operand (bool is an int in Python), or undefined when the type has no arithmetic. */
function numeric(v: PyValue): { value: number; float: boolean } | undefined {
  if (typeof v === 'number') return { value: v, float: false };
  if (typeof v === 'boolean') return { value: v ? 1 : 0, float: false };
  if (v instanceof PyFloat) return { value: v.value, float: true };
  return undefined;
}

export function isNum(v: PyValue): v is PyNum | boolean {
  return numeric(v) !== undefined;
}

const make = (value: number, float: boolean): PyNum => (float ? new PyFloat(value) : value);

type Op = '+' | '-' | '*' | '+=' | '-=';

function arith(op: Op, a: PyValue, b: PyValue): PyNum {
  const x = numeric(a);
  const y = numeric(b);
  if (!x || !y)
    throw new ToolError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  const float = x.float || y.float;
  if (op === '*') return make(x.value * y.value, float);
  return make(op[0] === '+' ? x.value + y.value : x.value - y.value, float);
}

/** `a + b`, `a - b` on numbers; `inPlace` gives the `+=`/`-=` wording of the TypeError. */
export const pyAdd = (a: PyValue, b: PyValue, inPlace = false): PyNum => arith(inPlace ? '+=' : '+', a, b);
export const pySub = (a: PyValue, b: PyValue, inPlace = false): PyNum => arith(inPlace ? '-=' : '-', a, b);

export const pyMul = (a: PyValue, b: PyValue): PyNum => arith('*', a, b);

/** `n * v` for an int n: a str or list repeats (the tools then fail adding it to a number). */
export function pyMulInt(n: number, v: PyValue): PyValue {
  if (typeof v === 'string') return n > 0 ? v.repeat(n) : '';
  if (Array.isArray(v)) return n > 0 ? Array.from({ length: n }, () => v).flat() : [];
  return arith('*', n, v);
}

export function pyNeg(v: PyValue): PyNum {
  const x = numeric(v);
  if (!x) throw new ToolError(`bad operand type for unary -: '${pyTypeName(v)}'`);
  return make(x.float ? -x.value : 0 - x.value, x.float);
}

/** `a < b` (and `a > b` via swapped roles): numbers compare, str with str, anything else raises. */
export function pyLess(a: PyValue, b: PyValue, op: '<' | '>' = '<'): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x && y) return op === '<' ? x.value < y.value : x.value > y.value;
  if (typeof a === 'string' && typeof b === 'string') return op === '<' ? a < b : a > b;
  throw new ToolError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** `max(0, v)`: the first argument unless v compares greater. */
export function pyMaxZero(v: PyValue): PyValue {
  return pyLess(v, 0, '>') ? v : 0;
}

/** `sum(values)`: left to right from the int 0. */
export function pySum(values: PyValue[]): PyNum {
  let total: PyNum = 0;
  for (const v of values) total = pyAdd(total, v);
  return total;
}

/** Python `==` between two values as the tools use it (1 == 1.0 == True; str only equals str). */
export function pyEq(a: PyValue, b: PyValue): boolean {
  const x = numeric(a);
  const y = numeric(b);
  if (x || y) return !!x && !!y && x.value === y.value;
  if (typeof a === 'string' || a === null) return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => pyEq(v, b[i]));
  if (!isDict(a) || !isDict(b) || a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || !pyEq(v, b.get(k) as PyValue)) return false;
  return true;
}

/** Python's `int(s)` of a str (base 10): surrounding whitespace, a sign, `_` between digits. */
export function pyInt(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.value))
      throw new ToolError(
        Number.isNaN(v.value)
          ? 'cannot convert float NaN to integer'
          : 'cannot convert float infinity to integer',
      );
    return Math.trunc(v.value);
  }
  if (typeof v !== 'string')
    throw new ToolError(
      `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`,
    );
  const m = /^[\s]*([+-]?)(\d(?:_?\d)*)[\s]*$/.exec(v);
  if (!m) throw new ToolError(`invalid literal for int() with base 10: ${pyReprStr(v)}`);
  const n = Number(m[2].replaceAll('_', ''));
  return m[1] === '-' ? -n : n;
}
