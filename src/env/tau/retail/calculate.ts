// The `calculate` tool: τ-bench evaluates the expression as Python (`eval` of text restricted to
// digits, + - * / ( ) . and spaces), takes `float()` of the result, rounds it to 2 decimals and
// returns `str()` of that. So this is a small evaluator of that Python subset with Python's
// semantics: exact big ints, true and floor division, `**` (right-assoc, binding tighter than a
// unary minus on its left), the empty tuple `()` and `...`, and Python's error texts, which the
// agent sees as `Error: <text>`.
import { pyFloatRepr } from '../core/pyjson';
import { roundFloat } from '../core/pymath';
import { ToolError } from '../core/types';

type Val =
  { t: 'int'; v: bigint } | { t: 'float'; v: number } | { t: 'tuple' } | { t: 'ellipsis' } | { t: 'complex' }; // only arises from a negative base to a fractional power; never printable

type Tok = { k: 'num'; text: string } | { k: 'op'; text: string };

const ALLOWED = '0123456789+-*/(). ';

class PyError extends Error {}

/** The parser could not continue at token `at`. */
class ParseFail extends Error {
  constructor(readonly at: number) {
    super('invalid syntax');
  }
}

function syntaxError(msg: string, line = 1): PyError {
  return new PyError(`${msg} (<string>, line ${line})`);
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ') {
      i++;
      continue;
    }
    const num = /\d+\.\d*|\.\d+|\d+/y;
    num.lastIndex = i;
    const m = num.exec(src);
    if (m && !(c === '.' && src.startsWith('...', i))) {
      if (/^0\d*$/.test(m[0]) && /[1-9]/.test(m[0])) {
        throw syntaxError(
          'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
        );
      }
      toks.push({ k: 'num', text: m[0] });
      i += m[0].length;
      continue;
    }
    for (const op of ['...', '**', '//', '+', '-', '*', '/', '(', ')', '.']) {
      if (src.startsWith(op, i)) {
        if (op === '(') depth++;
        if (op === ')' && --depth < 0) throw syntaxError("unmatched ')'");
        toks.push({ k: 'op', text: op });
        i += op.length;
        break;
      }
    }
  }
  return toks; // an unclosed '(' is reported by the parser: it depends on where parsing fails
}

// The grammar (Python's, for these tokens):
//   expr   := term (('+' | '-') term)*
//   term   := factor (('*' | '/' | '//') factor)*
//   factor := ('+' | '-') factor | power
//   power  := primary ('**' factor)?
//   primary:= atom ('(' expr? ')')*        — a call: always a TypeError at run time
//   atom   := NUMBER | '...' | '(' ')' | '(' expr ')'
type Node =
  | { n: 'lit'; v: Val }
  | { n: 'un'; op: string; a: Node }
  | { n: 'bin'; op: string; a: Node; b: Node }
  | { n: 'call'; f: Node; arg?: Node };

class ExprParser {
  i = 0;
  constructor(readonly toks: Tok[]) {}

  peek(text: string): boolean {
    const t = this.toks[this.i];
    return t !== undefined && t.k === 'op' && t.text === text;
  }

  take(text: string): boolean {
    if (!this.peek(text)) return false;
    this.i++;
    return true;
  }

  expr(): Node {
    let a = this.term();
    for (;;) {
      const op = this.peek('+') ? '+' : this.peek('-') ? '-' : undefined;
      if (!op) return a;
      this.i++;
      a = { n: 'bin', op, a, b: this.term() };
    }
  }

  term(): Node {
    let a = this.factor();
    for (;;) {
      const op = ['*', '/', '//'].find((o) => this.peek(o));
      if (!op) return a;
      this.i++;
      a = { n: 'bin', op, a, b: this.factor() };
    }
  }

  factor(): Node {
    for (const op of ['+', '-']) if (this.take(op)) return { n: 'un', op, a: this.factor() };
    return this.power();
  }

  power(): Node {
    const a = this.primary();
    if (this.take('**')) return { n: 'bin', op: '**', a, b: this.factor() };
    return a;
  }

  primary(): Node {
    let f = this.atom();
    while (this.take('(')) {
      if (this.take(')')) f = { n: 'call', f };
      else {
        const arg = this.expr();
        if (!this.take(')')) throw new ParseFail(this.i);
        f = { n: 'call', f, arg };
      }
    }
    return f;
  }

  atom(): Node {
    const t = this.toks[this.i];
    if (!t) throw new ParseFail(this.i);
    this.i++;
    if (t.k === 'num') {
      const v: Val = /^\d+$/.test(t.text)
        ? { t: 'int', v: BigInt(t.text) }
        : { t: 'float', v: Number(t.text) };
      return { n: 'lit', v };
    }
    if (t.k === 'op' && t.text === '...') return { n: 'lit', v: { t: 'ellipsis' } };
    if (t.k === 'op' && t.text === '(') {
      if (this.take(')')) return { n: 'lit', v: { t: 'tuple' } };
      const e = this.expr();
      if (!this.take(')')) throw new ParseFail(this.i);
      return e;
    }
    throw new ParseFail(this.i - 1);
  }
}

/** Parse every token, or throw the SyntaxError CPython's parser reports for this input. */
function parseAll(toks: Tok[]): Node {
  const p = new ExprParser(toks);
  let at: number;
  try {
    const tree = p.expr();
    if (p.i === toks.length) return tree;
    at = p.i;
  } catch (e) {
    if (!(e instanceof ParseFail)) throw e;
    at = e.at;
  }
  const n = toks.length;
  const level = (upTo: number): number =>
    toks.slice(0, upTo).reduce((d, t) => d + (t.text === '(' ? 1 : t.text === ')' ? -1 : 0), 0);
  const unclosed = level(n) > 0;
  // CPython's second pass: two expressions side by side ("(1 2)") suggest a missing comma inside
  // brackets; but if reading the second one runs into the end of input inside a bracket, the
  // tokenizer's "never closed" wins.
  const prev = toks[at - 1];
  const cur = toks[at];
  const ends = prev && (prev.k === 'num' || prev.text === ')' || prev.text === '...');
  if (cur && ends && (cur.k === 'num' || cur.text === '...')) {
    let end = at + 1;
    for (let j = n; j > at; j--) {
      const q = new ExprParser(toks.slice(at, j));
      try {
        q.expr();
        if (q.i === j - at) {
          end = j;
          break;
        }
      } catch {
        // a shorter prefix may still be an expression
      }
    }
    if (end === n && unclosed) throw syntaxError("'(' was never closed");
    if (level(at) > 0) throw syntaxError('invalid syntax. Perhaps you forgot a comma?');
    throw syntaxError('invalid syntax');
  }
  if (at >= n && unclosed) throw syntaxError("'(' was never closed");
  throw syntaxError('invalid syntax');
}

function typeName(v: Val): string {
  return v.t;
}

const TWO53 = 2n ** 53n;

/** float(int) as Python: correctly rounded, or OverflowError. */
function intToFloat(v: bigint): number {
  const f = Number(v);
  if (!Number.isFinite(f)) throw new PyError('int too large to convert to float');
  return f;
}

function toFloat(v: Val): number {
  if (v.t === 'float') return v.v;
  if (v.t === 'int') return intToFloat(v.v);
  throw new Error('not a number');
}

/** int / int: Python returns the correctly rounded quotient (exact ints, one rounding). */
function intTrueDiv(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyError('division by zero');
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  if (abs(a) <= TWO53 && abs(b) <= TWO53) return Number(a) / Number(b);
  const neg = a < 0n !== b < 0n;
  const x = abs(a);
  const y = abs(b);
  // Scale so the integer quotient carries ~64 significant bits, keep a sticky bit for exactness.
  const shift = BigInt(Math.max(0, 64 - (x.toString(2).length - y.toString(2).length)));
  const scaled = x << shift;
  let q = scaled / y;
  if (scaled % y !== 0n) q = q | 1n;
  const r = Number(q) / 2 ** Number(shift);
  if (!Number.isFinite(r)) throw new PyError('integer division result too large for a float');
  return neg ? -r : r;
}

function floatFloorDiv(a: number, b: number): number {
  if (b === 0) throw new PyError('float floor division by zero');
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) div -= 1;
  if (!div) return (a / b < 0 ? -0 : 0) * 1;
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

function floatPow(a: number, b: number): Val {
  if (a === 0 && b < 0) throw new PyError('0.0 cannot be raised to a negative power');
  if (a < 0 && Number.isFinite(b) && !Number.isInteger(b)) return { t: 'complex' };
  const r = a ** b;
  if (!Number.isFinite(r) && Number.isFinite(a) && Number.isFinite(b)) {
    throw new PyError("(34, 'Numerical result out of range')");
  }
  return { t: 'float', v: r };
}

function unsupported(op: string, a: Val, b: Val): PyError {
  const shown = op === '**' ? '** or pow()' : op;
  return new PyError(`unsupported operand type(s) for ${shown}: '${typeName(a)}' and '${typeName(b)}'`);
}

function binary(op: string, a: Val, b: Val): Val {
  const num = (v: Val): boolean => v.t === 'int' || v.t === 'float';
  if (a.t === 'tuple' || b.t === 'tuple') {
    if (op === '+' && a.t === 'tuple' && b.t === 'tuple') return a;
    if (op === '+' && a.t === 'tuple') {
      throw new PyError(`can only concatenate tuple (not "${typeName(b)}") to tuple`);
    }
    if (op === '*') {
      const other = a.t === 'tuple' ? b : a;
      if (other.t === 'int') return { t: 'tuple' }; // () * n is ()
      throw new PyError(`can't multiply sequence by non-int of type '${typeName(other)}'`);
    }
    throw unsupported(op, a, b);
  }
  if (a.t === 'complex' || b.t === 'complex') {
    if (op === '//' || a.t === 'ellipsis' || b.t === 'ellipsis') throw unsupported(op, a, b);
    return { t: 'complex' };
  }
  if (!num(a) || !num(b)) throw unsupported(op, a, b);
  if (a.t === 'int' && b.t === 'int') {
    const x = a.v;
    const y = b.v;
    switch (op) {
      case '+':
        return { t: 'int', v: x + y };
      case '-':
        return { t: 'int', v: x - y };
      case '*':
        return { t: 'int', v: x * y };
      case '/':
        return { t: 'float', v: intTrueDiv(x, y) };
      case '//': {
        if (y === 0n) throw new PyError('integer division or modulo by zero');
        let q = x / y;
        if (x % y !== 0n && x < 0n !== y < 0n) q -= 1n;
        return { t: 'int', v: q };
      }
      default: {
        if (y < 0n) {
          if (x === 0n) throw new PyError('0.0 cannot be raised to a negative power');
          return floatPow(intToFloat(x), intToFloat(y));
        }
        const bits = x === 0n || x === 1n || x === -1n ? 1 : x.toString(2).length * Number(y);
        // Python would grind through it and then fail to convert; say so without the wait.
        if (bits > 4_000_000) throw new PyError('int too large to convert to float');
        return { t: 'int', v: x ** y };
      }
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return { t: 'float', v: x + y };
    case '-':
      return { t: 'float', v: x - y };
    case '*':
      return { t: 'float', v: x * y };
    case '/':
      if (y === 0) throw new PyError('float division by zero');
      return { t: 'float', v: x / y };
    case '//':
      return { t: 'float', v: floatFloorDiv(x, y) };
    default:
      return floatPow(x, y);
  }
}

function evaluate(node: Node): Val {
  switch (node.n) {
    case 'lit':
      return node.v;
    case 'un': {
      const a = evaluate(node.a);
      if (a.t === 'int') return node.op === '-' ? { t: 'int', v: -a.v } : a;
      if (a.t === 'float') return node.op === '-' ? { t: 'float', v: -a.v } : a;
      if (a.t === 'complex') return a;
      throw new PyError(`bad operand type for unary ${node.op}: '${typeName(a)}'`);
    }
    case 'bin':
      return binary(node.op, evaluate(node.a), evaluate(node.b));
    case 'call': {
      const f = evaluate(node.f);
      if (node.arg) evaluate(node.arg); // arguments are evaluated before the call fails
      throw new PyError(`'${typeName(f)}' object is not callable`);
    }
  }
}

/** τ-bench's calculate: the tool's text for an expression. */
export function calculate(expression: unknown): string {
  if (typeof expression !== 'string') {
    const name =
      expression === null ? 'NoneType' : typeof expression === 'number' ? 'int' : typeof expression;
    throw new ToolError(`'${name}' object is not iterable`);
  }
  if (![...expression].every((ch) => ALLOWED.includes(ch))) return 'Error: invalid characters in expression';
  try {
    const toks = tokenize(expression);
    if (toks.length === 0) throw syntaxError('invalid syntax', 0);
    const v = evaluate(parseAll(toks));
    if (v.t !== 'int' && v.t !== 'float') {
      throw new PyError(`float() argument must be a string or a real number, not '${typeName(v)}'`);
    }
    return pyFloatRepr(roundFloat(toFloat(v), 2));
  } catch (e) {
    if (e instanceof PyError) return `Error: ${e.message}`;
    throw e;
  }
}
