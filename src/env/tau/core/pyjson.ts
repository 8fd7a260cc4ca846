// JSON values as Python's `json` module sees them. τ-bench's tools return `json.dumps(...)` of
// records loaded with `json.load`, and its reward hashes `str()` of the data, so two facts that JS
// loses must be kept: whether a number is an int or a float (`100` vs `100.0` print differently
// and hash differently), and the order of a dict's keys (JS objects move integer-like keys such as
// item ids to the front). Hence: ints are JS numbers, floats are `PyFloat`, dicts are `Map`s.

export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyDict = Map<string, PyValue>;
export type PyValue = null | boolean | number | string | PyFloat | PyValue[] | PyDict;

export function isDict(v: unknown): v is PyDict {
  return v instanceof Map;
}

export function isNumber(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

/** The numeric value of a Python int or float (bool counts as int, as in Python). */
export function num(v: PyValue | undefined): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyTypeError(`unsupported operand type(s) for +: '${pyTypeName(v)}' and 'float'`);
}

/** A TypeError as Python would raise it from arithmetic on a non-number. */
export class PyTypeError extends Error {}

/** Python's type name of a value, for error texts (`'str'`, `'NoneType'`, `'list'`, ...). */
export function pyTypeName(v: PyValue | undefined): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

// ---- parsing ------------------------------------------------------------------------------------

/** Parse JSON text into Python values: `1` → int, `1.0`/`1e3` → PyFloat, objects → Map in order. */
export function pyParse(text: string): PyValue {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i !== text.length) p.fail('extra data');
  return v;
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new SyntaxError(`JSON: ${what} at position ${this.i}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(): PyValue {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't' && this.s.startsWith('true', this.i)) return ((this.i += 4), true);
    if (c === 'f' && this.s.startsWith('false', this.i)) return ((this.i += 5), false);
    if (c === 'n' && this.s.startsWith('null', this.i)) return ((this.i += 4), null);
    // Python's json accepts these three non-standard constants (json.dumps writes them).
    if (c === 'N' && this.s.startsWith('NaN', this.i)) return ((this.i += 3), new PyFloat(NaN));
    if (c === 'I' && this.s.startsWith('Infinity', this.i)) return ((this.i += 8), new PyFloat(Infinity));
    if (c === '-' && this.s.startsWith('-Infinity', this.i)) return ((this.i += 9), new PyFloat(-Infinity));
    return this.number();
  }

  object(): PyDict {
    const m: PyDict = new Map();
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') return (this.i++, m);
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      m.set(k, this.value()); // a repeated key keeps its first position and last value, as in Python
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return m;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(): PyValue[] {
    const a: PyValue[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return (this.i++, a);
    for (;;) {
      this.ws();
      a.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return a;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const start = this.i;
    let j = start + 1;
    let escaped = false;
    const s = this.s;
    for (;;) {
      if (j >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        j += 2;
        continue;
      }
      if (c < 0x20) {
        this.i = j;
        this.fail('control character in string');
      }
      j++;
    }
    this.i = j + 1;
    // JSON.parse handles escapes (including lone surrogates, which Python also keeps).
    return escaped ? (JSON.parse(s.slice(start, j + 1)) as string) : s.slice(start + 1, j);
  }

  number(): number | PyFloat {
    const m = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail('expected a value');
    this.i += r[0].length;
    const v = Number(r[0]);
    return r[1] !== undefined || r[2] !== undefined ? new PyFloat(v) : v;
  }
}

/** A JS value (e.g. arguments a model produced, already parsed) as a Python value. Integral
 * numbers become ints: the int/float distinction is gone once JS has parsed the text. */
export function fromJs(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (v instanceof PyFloat) return v;
  if (Array.isArray(v)) return v.map(fromJs);
  if (v instanceof Map) return new Map([...(v as Map<string, unknown>)].map(([k, x]) => [k, fromJs(x)]));
  if (typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, fromJs(x)]));
  return String(v);
}

/** A Python value as plain JS (dicts → objects, floats → numbers), for callers that want JSON. */
export function toJs(v: PyValue): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k] = toJs(x);
    return o;
  }
  return v;
}

// ---- printing -----------------------------------------------------------------------------------

/** Python's `repr(float)`: shortest round-trip digits; exponent form when the decimal exponent is
 * below -4 or at least 16 (`1e-05`, `1e+16`), otherwise fixed with at least one decimal (`100.0`). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, like Python.
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expText); // x = d.ddd × 10^exp
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** Python's `str()` of a value where it differs from JSON: used for `str(round(...))` results. */
export function pyStr(v: PyValue): string {
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return pyDumps(v);
}

/** A string as `json.dumps` writes it (ensure_ascii: everything outside ' '..'~' is escaped). */
export function pyDumpsString(s: string): string {
  let out = '"';
  let run = 0; // start of the current run of characters that need no escape
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(run, i);
    run = i + 1;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + s.slice(run) + '"';
}

/** Exactly what Python's `json.dumps(value)` prints (default separators ", " and ": "). */
export function pyDumps(v: PyValue): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return pyDumpsString(v);
  if (typeof v === 'number') return String(v);
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) return 'NaN';
    if (v.value === Infinity) return 'Infinity';
    if (v.value === -Infinity) return '-Infinity';
    return pyFloatRepr(v.value);
  }
  if (Array.isArray(v)) return '[' + v.map(pyDumps).join(', ') + ']';
  const parts: string[] = [];
  for (const [k, x] of v) parts.push(pyDumpsString(k) + ': ' + pyDumps(x));
  return '{' + parts.join(', ') + '}';
}

/** A canonical text of a value: dict keys sorted (as τ-bench's hash sorts them), ints and floats
 * kept distinct. Two values are equal for the reward iff their canonical texts are equal. */
export function canonical(v: PyValue): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(compareCodePoints);
    return '{' + keys.map((k) => pyDumpsString(k) + ':' + canonical(v.get(k) as PyValue)).join(',') + '}';
  }
  return pyDumps(v);
}

/** Python's string order (by code point), not JS's UTF-16 order, for sorted() of keys and ids. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : 1;
}

/** A deep copy (records are cloned before a tool writes them; the base DB is never modified). */
export function deepClone<T extends PyValue>(v: T): T {
  return cloneValue(v) as T;
}

function cloneValue(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (v instanceof Map) {
    const m: PyDict = new Map();
    for (const [k, x] of v) m.set(k, cloneValue(x));
    return m;
  }
  return v; // primitives and PyFloat are immutable
}

/** Python `==` on JSON values (1 == 1.0, dicts compare regardless of key order). */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (isNumber(a) || typeof a === 'boolean') {
    return (isNumber(b) || typeof b === 'boolean') && num(a) === num(b);
  }
  if (typeof a === 'string' || a === null) return a === b;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  const d = a as PyDict;
  if (!(b instanceof Map) || d.size !== b.size) return false;
  for (const [k, x] of d) if (!b.has(k) || !pyEquals(x, b.get(k) as PyValue)) return false;
  return true;
}
