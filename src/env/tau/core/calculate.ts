// The `calculate` tool (the same in retail and airline): τ-bench lets only the characters
// `0123456789+-*/(). ` through, evaluates the text as a Python expression, and answers
// `str(round(float(result), 2))`, or `Error: <exception>`. So this is a small Python: its tokenizer
// and grammar for those characters (ints of any size, floats, + - * / // **, calls and the empty
// tuple that parentheses allow, `...`), Python's arithmetic (exact ints, true division correctly
// rounded), and the texts of its SyntaxError, ZeroDivisionError, OverflowError and TypeError.
import { pyFloatRepr, pyTypeName, type PyValue } from './pyjson';
import { roundFloat } from './pymath';
import { ToolError } from './types';

const ALLOWED = '0123456789+-*/(). ';

/** What τ-bench's calculate returns for `expression` (throws ToolError for an `Error: ...`). */
export function calculate(expression: PyValue): string {
  if (typeof expression !== 'string') return checkNonString(expression);
  for (const ch of expression)
    if (!ALLOWED.includes(ch)) throw new ToolError('invalid characters in expression');
  try {
    return pyFloatRepr(roundFloat(toFloat(evaluate(expression)), 2));
  } catch (e) {
    if (e instanceof PyError) throw new ToolError(e.message);
    throw e;
  }
}

/** The character check run over a non-str (iteration and `in` on a str), then eval's refusal. */
function checkNonString(expression: PyValue): never {
  let parts: PyValue[];
  if (Array.isArray(expression)) parts = expression;
  else if (expression instanceof Map) parts = [...expression.keys()];
  else throw new ToolError(`'${pyTypeName(expression)}' object is not iterable`);
  for (const p of parts) {
    if (typeof p !== 'string')
      throw new ToolError(`'in <string>' requires string as left operand, not ${pyTypeName(p)}`);
    if (!ALLOWED.includes(p)) throw new ToolError('invalid characters in expression');
  }
  throw new ToolError('eval() arg 1 must be a string, bytes or code object');
}

/** A Python exception: its str() is the message. */
class PyError extends Error {}

// ---- values ----------------------------------------------------------------------------------

type Value =
  | { k: 'int'; v: bigint }
  | { k: 'float'; v: number }
  // The other objects these characters can make: `()`, `...`, and a complex number (a negative
  // number to a fractional power); only their type matters, since float() refuses them all.
  | { k: 'tuple' }
  | { k: 'ellipsis' }
  | { k: 'complex' };

const int = (v: bigint): Value => ({ k: 'int', v });
const float = (v: number): Value => ({ k: 'float', v });
const typeName = (x: Value): string => x.k;

/** str() of a value (a complex number's digits are not tracked). */
function str(x: Value): string {
  if (x.k === 'int') return x.v.toString();
  if (x.k === 'float') return pyFloatRepr(x.v);
  if (x.k === 'tuple') return '()';
  return x.k === 'ellipsis' ? 'Ellipsis' : '(complex)';
}

/** float(int): correctly rounded; too large is an OverflowError. */
function intToFloat(v: bigint): number {
  const f = Number(v);
  if (!Number.isFinite(f)) throw new PyError('int too large to convert to float');
  return f;
}

function toFloat(x: Value): number {
  if (x.k === 'float') return x.v;
  if (x.k === 'int') return intToFloat(x.v);
  throw new PyError(`float() argument must be a string or a real number, not '${typeName(x)}'`);
}

// ---- tokens ----------------------------------------------------------------------------------

type Tok = { t: 'num'; text: string } | { t: 'op'; v: string } | { t: 'end' };

const LEADING_ZEROS =
  'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers';

interface Tokens {
  toks: Tok[];
  /** Parentheses left open at the end (Python reports them only when the parser reaches the end). */
  openAtEnd: number;
  /** Nesting depth before each token. */
  depth: number[];
}

function tokenize(s: string): Tokens {
  const toks: Tok[] = [];
  const depthAt: number[] = [];
  let depth = 0;
  let i = 0;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (i < s.length) {
    const c = s[i];
    if (c === ' ') {
      i++;
      continue;
    }
    depthAt.push(depth);
    if (isDigit(c) || (c === '.' && isDigit(s[i + 1]))) {
      const start = i;
      while (isDigit(s[i])) i++;
      let isFloat = false;
      if (s[i] === '.') {
        isFloat = true;
        i++;
        while (isDigit(s[i])) i++;
      }
      const text = s.slice(start, i);
      if (!isFloat && text.length > 1 && text[0] === '0' && /[1-9]/.test(text)) syntax(LEADING_ZEROS);
      toks.push({ t: 'num', text });
      continue;
    }
    if (c === '.' && s.startsWith('...', i)) {
      toks.push({ t: 'op', v: '...' });
      i += 3;
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '**' || two === '//') {
      toks.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) syntax("unmatched ')'");
      depth--;
    }
    toks.push({ t: 'op', v: c });
    i++;
  }
  depthAt.push(depth);
  toks.push({ t: 'end' });
  return { toks, openAtEnd: depth, depth: depthAt };
}

function syntax(message: string, line = 1): never {
  throw new PyError(`${message} (<string>, line ${line})`);
}

// ---- parsing ---------------------------------------------------------------------------------

type Node =
  | { n: 'num'; text: string }
  | { n: 'tuple' }
  | { n: 'ellipsis' }
  | { n: 'unary'; op: string; x: Node }
  | { n: 'bin'; op: string; a: Node; b: Node }
  | { n: 'call'; f: Node; arg: Node | undefined; star: '' | '*' | '**' };

/** Thrown where the grammar does not go on (caught to report Python's message). */
class NoParse {
  constructor(
    readonly at: number,
    /** The token after a dot: no expression ends there, so no "forgot a comma". */
    readonly afterDot = false,
  ) {}
}

class Parser {
  pos = 0;
  constructor(readonly tk: Tokens) {}

  /** Looking at a token; reaching the end with a parenthesis open is Python's "never closed". */
  peek(): Tok {
    const t = this.tk.toks[this.pos];
    if (t.t === 'end' && this.tk.openAtEnd > 0) syntax("'(' was never closed");
    return t;
  }

  isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  fail(afterDot = false): never {
    throw new NoParse(this.pos, afterDot);
  }

  /** sum: term (('+'|'-') term)* — an operator without an operand ends the expression in
   * `lenient` mode (the PEG parser backtracks to what it had). */
  sum(lenient = false): Node {
    let a = this.term(lenient);
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || (t.v !== '+' && t.v !== '-')) return a;
      const save = this.pos;
      this.pos++;
      try {
        a = { n: 'bin', op: t.v, a, b: this.term(lenient) };
      } catch (e) {
        if (!(lenient && e instanceof NoParse)) throw e;
        this.pos = save;
        return a;
      }
    }
  }

  term(lenient: boolean): Node {
    let a = this.factor();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || (t.v !== '*' && t.v !== '/' && t.v !== '//')) return a;
      const save = this.pos;
      this.pos++;
      try {
        a = { n: 'bin', op: t.v, a, b: this.factor() };
      } catch (e) {
        if (!(lenient && e instanceof NoParse)) throw e;
        this.pos = save;
        return a;
      }
    }
  }

  factor(): Node {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '+' || t.v === '-')) {
      this.pos++;
      return { n: 'unary', op: t.v, x: this.factor() };
    }
    return this.power();
  }

  power(): Node {
    const a = this.primary();
    if (!this.isOp('**')) return a;
    this.pos++;
    return { n: 'bin', op: '**', a, b: this.factor() };
  }

  primary(): Node {
    let a = this.atom();
    if (this.isOp('.')) {
      // An attribute access: Python reads the token after the dot for its name; none can follow.
      this.pos++;
      this.peek();
      this.fail(true);
    }
    while (this.isOp('(')) {
      this.pos++;
      if (this.isOp(')')) {
        this.pos++;
        a = { n: 'call', f: a, arg: undefined, star: '' };
        continue;
      }
      const star = this.isOp('*') ? '*' : this.isOp('**') ? '**' : '';
      if (star) this.pos++;
      const arg = this.sum();
      if (!this.isOp(')')) this.fail();
      this.pos++;
      a = { n: 'call', f: a, arg, star };
    }
    return a;
  }

  atom(): Node {
    const t = this.peek();
    if (t.t === 'num') {
      this.pos++;
      return { n: 'num', text: t.text };
    }
    if (t.t === 'op' && t.v === '...') {
      this.pos++;
      return { n: 'ellipsis' };
    }
    if (t.t === 'op' && t.v === '(') {
      this.pos++;
      if (this.isOp(')')) {
        this.pos++;
        return { n: 'tuple' };
      }
      const star = this.isOp('*') ? 'starred' : this.isOp('**') ? 'double starred' : '';
      if (star) this.pos++;
      const inner = this.sum();
      if (star && this.isOp(')')) syntax(`cannot use ${star} expression here`);
      if (star) this.fail();
      if (!this.isOp(')')) this.fail();
      this.pos++;
      return inner;
    }
    return this.fail();
  }
}

/** Parses the whole text or throws Python's SyntaxError text. */
function parse(source: string): Node {
  // eval() skips leading spaces; nothing left is an error on "line 0".
  if (source.trim() === '') syntax('invalid syntax', 0);
  const tk = tokenize(source);
  const p = new Parser(tk);
  try {
    const node = p.sum();
    if (p.peek().t !== 'end') p.fail();
    return node;
  } catch (e) {
    if (!(e instanceof NoParse)) throw e;
    // Python's second look: an expression right after a complete one is a missing comma inside
    // brackets ("invalid syntax. Perhaps you forgot a comma?") and plain invalid syntax outside.
    const at = p.pos;
    const t = tk.toks[at];
    const startsExpression = t.t === 'num' || (t.t === 'op' && (t.v === '(' || t.v === '...'));
    if (startsExpression && at > 0 && !e.afterDot) {
      p.pos = at;
      try {
        p.sum(true);
      } catch (inner) {
        if (!(inner instanceof NoParse)) throw inner;
      }
      if (tk.depth[at] > 0) syntax('invalid syntax. Perhaps you forgot a comma?');
    }
    return syntax('invalid syntax');
  }
}

// ---- evaluation ------------------------------------------------------------------------------

function evaluate(source: string): Value {
  return run(parse(source));
}

function run(node: Node): Value {
  switch (node.n) {
    case 'num':
      return node.text.includes('.') ? float(Number(node.text)) : int(BigInt(node.text));
    case 'tuple':
      return { k: 'tuple' };
    case 'ellipsis':
      return { k: 'ellipsis' };
    case 'unary':
      return unary(node.op, run(node.x));
    case 'bin': {
      const a = run(node.a);
      return binary(node.op, a, run(node.b));
    }
    case 'call': {
      const f = run(node.f);
      const arg = node.arg && run(node.arg);
      // `f(*x)` needs an iterable (only `()` is one here) and `f(**x)` a mapping (nothing is).
      if (arg && (node.star === '**' || (node.star === '*' && arg.k !== 'tuple'))) {
        const needs = node.star === '*' ? 'an iterable' : 'a mapping';
        throw new PyError(`${str(f)} argument after ${node.star} must be ${needs}, not ${typeName(arg)}`);
      }
      throw new PyError(`'${typeName(f)}' object is not callable`);
    }
  }
}

function unary(op: string, x: Value): Value {
  if (x.k === 'int') return op === '-' ? int(-x.v) : x;
  if (x.k === 'float') return op === '-' ? float(-x.v) : x;
  if (x.k === 'complex') return x;
  throw new PyError(`bad operand type for unary ${op}: '${typeName(x)}'`);
}

function binary(op: string, a: Value, b: Value): Value {
  if (a.k === 'tuple' || b.k === 'tuple') return tupleOp(op, a, b);
  if (a.k === 'ellipsis' || b.k === 'ellipsis') throw unsupported(op, a, b);
  if (a.k === 'complex' || b.k === 'complex') {
    if (op === '//') throw unsupported(op, a, b);
    return { k: 'complex' };
  }
  if (a.k === 'int' && b.k === 'int') return intOp(op, a.v, b.v);
  return floatOp(op, toFloat(a), toFloat(b));
}

function unsupported(op: string, a: Value, b: Value): PyError {
  const shown = op === '**' ? '** or pow()' : op;
  return new PyError(`unsupported operand type(s) for ${shown}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** `()` with `+` (concatenation) and `*` (repetition by an int); everything else is refused. */
function tupleOp(op: string, a: Value, b: Value): Value {
  if (op === '+') {
    if (a.k === 'tuple' && b.k === 'tuple') return a;
    if (a.k === 'tuple') throw new PyError(`can only concatenate tuple (not "${typeName(b)}") to tuple`);
    throw unsupported(op, a, b);
  }
  if (op === '*') {
    const count = a.k === 'tuple' ? b : a;
    if (count.k === 'int') {
      if (count.v >= 2n ** 63n || count.v < -(2n ** 63n))
        throw new PyError("cannot fit 'int' into an index-sized integer");
      return { k: 'tuple' };
    }
    throw new PyError(`can't multiply sequence by non-int of type '${typeName(count)}'`);
  }
  throw unsupported(op, a, b);
}

// An int power beyond this many bits is refused as too large for float() (Python would spend
// minutes building it first).
const MAX_INT_BITS = 4_000_000;

function intOp(op: string, a: bigint, b: bigint): Value {
  switch (op) {
    case '+':
      return int(a + b);
    case '-':
      return int(a - b);
    case '*':
      return int(a * b);
    case '/':
      if (b === 0n) throw new PyError('division by zero');
      return float(trueDivide(a, b));
    case '//': {
      if (b === 0n) throw new PyError('integer division or modulo by zero');
      const q = a / b;
      return int(a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q);
    }
    default: {
      // '**': a negative exponent goes through float pow, as Python's int pow does.
      if (b < 0n) return floatOp('**', intToFloat(a), intToFloat(b));
      const bits = (a < 0n ? -a : a).toString(2).length;
      if (a !== 0n && a !== 1n && a !== -1n && BigInt(bits - 1) * b > BigInt(MAX_INT_BITS))
        throw new PyError('int too large to convert to float');
      return int(a ** b);
    }
  }
}

/** int / int as Python computes it: the exact quotient, rounded once to the nearest double. */
function trueDivide(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  const n = a < 0n ? -a : a;
  const d = b < 0n ? -b : b;
  const limit = 2n ** 53n;
  const q = n <= limit && d <= limit ? Number(n) / Number(d) : ratioToFloat(n, d, 0);
  if (!Number.isFinite(q)) throw new PyError('integer division result too large for a float');
  return negative ? -q : q;
}

const bitLength = (v: bigint): number => (v === 0n ? 0 : v.toString(2).length);

/** n / d · 2^e2 (n, d > 0) rounded once to the nearest double (ties to even): the quotient is
 * taken to 64 bits plus a sticky bit for everything below, and BigInt→Number rounds it. */
function ratioToFloat(n: bigint, d: bigint, e2: number): number {
  const shift = Math.max(0, 66 + bitLength(d) - bitLength(n));
  const scaled = n << BigInt(shift);
  let q = scaled / d;
  let sticky = scaled % d !== 0n;
  const drop = Math.max(0, bitLength(q) - 64);
  if (drop > 0) {
    sticky ||= (q & ((1n << BigInt(drop)) - 1n)) !== 0n;
    q >>= BigInt(drop);
  }
  let r = Number((q << 1n) | (sticky ? 1n : 0n));
  // Scale by 2^(e2 - shift + drop - 1) in steps that stay within the exponent range.
  for (let e = e2 - shift + drop - 1; e !== 0 && r !== 0 && Number.isFinite(r);) {
    const step = Math.max(-1000, Math.min(1000, e));
    r *= 2 ** step;
    e -= step;
  }
  return r;
}

/** x^k for a finite x > 0 and an integral k, exactly rounded (glibc's pow, which Python calls, is
 * correctly rounded in all but rare cases; JS's Math.pow is often one unit off). */
function exactPow(x: number, k: number): number {
  const [mant, exp] = decompose(x);
  const m = mant ** BigInt(Math.abs(k));
  const e = exp * Math.abs(k);
  return k > 0 ? ratioToFloat(m, 1n, e) : ratioToFloat(1n, m, -e);
}

/** x = mant · 2^exp exactly, for a finite x > 0. */
function decompose(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  const mant = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return biased === 0 ? [mant, -1074] : [mant | (1n << 52n), biased - 1075];
}

function floatOp(op: string, a: number, b: number): Value {
  switch (op) {
    case '+':
      return float(a + b);
    case '-':
      return float(a - b);
    case '*':
      return float(a * b);
    case '/':
      if (b === 0) throw new PyError('float division by zero');
      return float(a / b);
    case '//':
      if (b === 0) throw new PyError('float floor division by zero');
      return float(floorDivide(a, b));
    default:
      return floatPow(a, b);
  }
}

/** Python's float floor division (from its divmod: fmod, then corrected to the floor). */
function floorDivide(vx: number, wx: number): number {
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  }
  if (div) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  const q = vx / wx; // copysign(0.0, vx / wx)
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}

/** Python's float `**`: its special cases, a complex result for a negative base and fractional
 * exponent, and an OverflowError where C's pow overflows. */
function floatPow(iv: number, iw: number): Value {
  if (iw === 0) return float(1);
  if (Number.isNaN(iv)) return float(iv);
  if (Number.isNaN(iw)) return float(iv === 1 ? 1 : iw);
  if (!Number.isFinite(iw) || !Number.isFinite(iv)) return float(Math.pow(iv, iw));
  if (iv === 0) {
    if (iw < 0) throw new PyError('0.0 cannot be raised to a negative power');
    return float(isOddInteger(iw) ? iv : 0);
  }
  let negate = false;
  let base = iv;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) return { k: 'complex' };
    base = -iv;
    negate = isOddInteger(iw);
  }
  if (base === 1) return float(negate ? -1 : 1);
  // Exact for integral exponents of a manageable size; Math.pow (C's pow in Python) otherwise.
  const r = Number.isInteger(iw) && Math.abs(iw) <= 4096 ? exactPow(base, iw) : Math.pow(base, iw);
  if (!Number.isFinite(r)) throw new PyError("(34, 'Numerical result out of range')");
  return float(negate ? -r : r);
}

const isOddInteger = (x: number): boolean => Number.isInteger(x) && Math.abs(x % 2) === 1;
