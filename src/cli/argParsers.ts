// Option-value parsers for commander: each names its flag in the error, so a bad value reads
// "--epochs: expected a number, got "x"" and exits non-zero like any user error.
import { z } from 'zod';
import { UserError } from '../util/errors';

/** The whole numbers a flag takes: from `min` (default 0) to `max` (default: no bound). */
export interface Bounds {
  min?: number;
  max?: number;
}

/** "≥ 1" or "1..64": the range as a message says it. */
function range(min: number, max: number): string {
  return max === Infinity ? `≥ ${min}` : `${min}..${max}`;
}

/** A whole-number flag within its bounds. One message for every way a value misses, naming the
 * flag and the range: "--rounds -1" is out of range, not "not a whole number". */
export const wholeNumberArg =
  (flag: string, { min = 0, max = Infinity }: Bounds = {}) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new UserError(`${flag}: expected a whole number ${range(min, max)}, got "${v}"`);
    return n;
  };

/** The bounds a config field (a zod number, perhaps optional or defaulted) declares, so its flag's
 * parser says the range the config would check, without a second copy of it. */
export function boundsOf(field: z.ZodType): Bounds {
  let inner: z.ZodType = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  if (!(inner instanceof z.ZodNumber)) throw new Error('boundsOf: not a number field');
  // `.int()` alone bounds a field by the safe integers: no bound a person would name.
  const max = inner.maxValue ?? Infinity;
  return { min: inner.minValue ?? 0, max: max >= Number.MAX_SAFE_INTEGER ? Infinity : max };
}

export const numberArg =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${what}: expected a number, got "${v}"`);
    return n;
  };

/** A comma-separated list of task ids: blanks between commas are dropped, and a list left empty
 * (`--tasks ",,"`) is refused by name rather than read as "no tasks" further on. */
export const idListArg =
  (flag: string) =>
  (v: string): string[] => {
    const ids = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 0)
      throw new UserError(`${flag}: expected comma-separated task ids (e.g. MUL0003,SNG0073), got "${v}"`);
    return ids;
  };
