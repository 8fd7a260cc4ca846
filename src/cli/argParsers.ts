// Option-value parsers for commander: each names its flag in the error, so a bad value reads
// "--epochs: expected a number, got "x"" and exits non-zero like any user error.
import { UserError } from '../util/errors';

export const wholeNumberArg =
  (what: string) =>
  (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UserError(`${what}: expected a whole number, got "${v}"`);
    return Number(v);
  };

export const numberArg =
  (what: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${what}: expected a number, got "${v}"`);
    return n;
  };
