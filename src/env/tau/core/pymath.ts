// Python arithmetic on JSON numbers, so the amounts τ-bench's tools compute and store come out as
// Python computes them: int op int stays int, anything with a float is a float (`PyFloat`), and
// `round(x, n)` rounds the exact binary value half-to-even, as CPython does.
import { PyFloat, num, type PyValue } from './pyjson';

export type PyNum = number | PyFloat;

function isFloat(v: PyValue): boolean {
  return v instanceof PyFloat;
}

function make(value: number, float: boolean): PyNum {
  return float ? new PyFloat(value) : value;
}

export function pyAdd(a: PyValue, b: PyValue): PyNum {
  return make(num(a) + num(b), isFloat(a) || isFloat(b));
}

export function pySub(a: PyValue, b: PyValue): PyNum {
  return make(num(a) - num(b), isFloat(a) || isFloat(b));
}

export function pyAbs(a: PyValue): PyNum {
  return make(Math.abs(num(a)), isFloat(a));
}

export function pyLess(a: PyValue, b: PyValue): boolean {
  return num(a) < num(b);
}

/** `sum(values)`: left to right from int 0, as Python's sum does. */
export function pySum(values: PyValue[]): PyNum {
  let total: PyNum = 0;
  for (const v of values) total = pyAdd(total, v);
  return total;
}

/** Python's `round(x, ndigits)`: an int stays the same int; a float is rounded correctly (on its
 * exact binary value, ties to even) and stays a float. */
export function pyRound(x: PyValue, ndigits: number): PyNum {
  if (!(x instanceof PyFloat)) return num(x);
  return new PyFloat(roundFloat(x.value, ndigits));
}

export function roundFloat(v: number, ndigits: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  if (Math.abs(v) >= 1e21) return v; // already an integer at this magnitude
  // toFixed rounds the exact value, but breaks exact ties away from zero; Python breaks them to
  // even. An exact tie is only possible when v·10^n is exactly representable with fraction .5.
  let text = Math.abs(v).toFixed(ndigits);
  const scaled = Math.abs(v) * 10 ** ndigits;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled) && isExactTie(Math.abs(v), ndigits)) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    text = (even / 10 ** ndigits).toFixed(ndigits);
  }
  const r = Number(text);
  return v < 0 ? -r : r; // -0.0 stays -0.0, as round(-0.001, 2) is -0.0 in Python
}

/** Whether v is exactly halfway between two multiples of 10^-n (checked with exact integers). */
function isExactTie(v: number, n: number): boolean {
  // v = m · 2^e exactly; v·10^n·2 is an odd integer iff the tie is exact.
  const [mant, exp] = decompose(v);
  let num = mant * 10n ** BigInt(n) * 2n;
  if (exp >= 0) num <<= BigInt(exp);
  else {
    const d = 1n << BigInt(-exp);
    if (num % d !== 0n) return false;
    num /= d;
  }
  return num % 2n === 1n;
}

function decompose(v: number): [bigint, number] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return [mant, -1074];
  mant |= 1n << 52n;
  return [mant, e - 1075];
}
