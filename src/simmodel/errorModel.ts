// The agent's mistakes, as rates per decision. Each rate is the probability at temperature 1.0;
// the effective rate is rate × temperature (capped at 1), so temperature 0 makes no sampling
// errors at all and a hotter agent errs more — what JOSH's sampled branches explore.
import { z } from 'zod';
import { UserError } from '../util/errors';
import type { DomainBelief } from './agentState';
import {
  BOOK_SLOTS,
  DOMAINS,
  type Domain,
  ENTITY_KEY,
  SEARCH_SLOTS,
  type Slot,
  WEEKDAYS,
  bookApi,
  isBookable,
  normValue,
  searchApi,
} from './ontology';
import type { Rng } from './rng';
import type { World } from './vocab';

export interface ErrorRates {
  /** A search or booking argument gets a plausible but wrong value. */
  wrongSlot: number;
  /** A search or booking leaves out a value the caller gave. */
  missingSlot: number;
  /** The agent books although the caller has not given every booking detail yet. */
  earlyBooking: number;
  /** The agent calls the wrong tool (another domain's search, or book instead of search). */
  wrongTool: number;
  /** The agent asks an unnecessary question instead of searching or booking. */
  chatInsteadOfAct: number;
  /** The tool-call arguments are not valid JSON. */
  malformedArgs: number;
  // ---- τ-bench agent (src/simmodel/tau/agent) ----
  /** τ: another product variant or flight among the near matches of what the customer asked for. */
  tauWrongVariant: number;
  /** τ: a multi-item return, exchange or modification leaves one of the items out. */
  tauMissingItem: number;
  /** τ: the write call is made without stating the action and waiting for the customer's yes. */
  tauEarlyAction: number;
  /** τ: another of the customer's payment methods than the one asked for. */
  tauWrongPayment: number;
  /** τ: another of the customer's orders (or reservations) is looked up than the one meant. */
  tauWrongOrder: number;
  /** τ: the agent hands the customer to a human agent although it could help. */
  tauEarlyTransfer: number;
  /** τ: after the customer's yes, the agent reports the action done without making the write call. */
  tauNoFinalWrite: number;
}

// Calibrated (scripts/calibrate-simmodel.ts, docs/simulated-model.md): with these rates at
// temperature 1 a single rollout over the 793 val tasks succeeds about 30% of the time — a weak
// agent, like the small models JOSH is meant to improve — and JOSH's beam search well over twice that.
export const DEFAULT_ERROR_RATES: ErrorRates = {
  wrongSlot: 0.3,
  missingSlot: 0.35,
  earlyBooking: 0.6,
  wrongTool: 0.1,
  chatInsteadOfAct: 0.3,
  malformedArgs: 0.05,
  // τ-bench agent (scripts/calibrate-tau.ts, `josh harvest`; docs/tau-bench.md): a sampled rollout on
  // tau-retail train succeeds about a third of the time, JOSH's beam more than twice that. Most
  // wrong arguments are stated in the confirmation and corrected by the customer; they cost a
  // task when the agent acts before the yes, or the customer runs out of patience. The ToolWOZ
  // agent never reads these knobs, so its figures are unchanged.
  tauWrongVariant: 0.5,
  tauMissingItem: 0.5,
  tauEarlyAction: 0.6,
  tauWrongPayment: 0.4,
  tauWrongOrder: 0.3,
  tauEarlyTransfer: 0.05,
  tauNoFinalWrite: 0.3,
};

export const ERROR_KINDS = Object.keys(DEFAULT_ERROR_RATES) as (keyof ErrorRates)[];

const Rate = z.number().min(0).max(1);
export const ErrorRatesSchema = z
  .object(Object.fromEntries(ERROR_KINDS.map((k) => [k, Rate])) as Record<keyof ErrorRates, typeof Rate>)
  .partial()
  .strict();

/** Effective probabilities for one request. */
export function scaledRates(rates: ErrorRates, temperature: number): ErrorRates {
  const t = Math.max(0, temperature);
  const out = { ...rates };
  for (const k of ERROR_KINDS) out[k] = Math.min(1, rates[k] * t);
  return out;
}

/** Parses `wrongSlot=0.1,missingSlot=0` (CLI form) over the defaults. */
export function parseErrorRates(spec: string, base: ErrorRates = DEFAULT_ERROR_RATES): ErrorRates {
  const out = { ...base };
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\w+)=([0-9.]+)$/.exec(part);
    if (!m)
      throw new UserError(`--error-rates: "${part}" is not name=rate (names: ${ERROR_KINDS.join(', ')})`);
    const kind = ERROR_KINDS.find((k) => k === m[1]);
    if (!kind)
      throw new UserError(`--error-rates: unknown error kind "${m[1]}" (known: ${ERROR_KINDS.join(', ')})`);
    const r = Number(m[2]);
    if (!(r >= 0 && r <= 1))
      throw new UserError(`--error-rates: ${kind} must be between 0 and 1, got ${m[2]}`);
    out[kind] = r;
  }
  return out;
}

// ---- Applying the rates to one decision -------------------------------------------------------
// Each kind draws from its own forked stream, so turning one knob never reshuffles the others.

/** One agent decision's context: the world (for plausible wrong values), its PRNG, its rates. */
export interface ErrorContext {
  world: World;
  rng: Rng;
  rates: ErrorRates;
}

export type PerturbedCall = { kind: 'call'; name?: string; json: string };

function malformed(json: string, rng: Rng): string {
  // Typical broken outputs: a missing closing brace, or Python-style quotes.
  return rng.chance(0.5) ? json.slice(0, -1) : json.replace(/"/g, "'");
}

function shiftTime(t: string, rng: Rng): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t);
  if (!m) return t;
  const h = (Number(m[1]) + (rng.chance(0.5) ? 1 : 23)) % 24;
  return `${String(h).padStart(m[1].length, '0')}:${m[2]}`;
}

function wrongValue(world: World, d: Domain, slot: string, current: string, rng: Rng): string | undefined {
  if (slot === 'leaveAt' || slot === 'arriveBy' || slot === 'time') return shiftTime(current, rng);
  if (slot === 'day') return rng.pick(WEEKDAYS.filter((w) => w !== current));
  if (slot === 'people' || slot === 'stay') {
    const n = Number(current);
    return Number.isFinite(n) ? String(n > 1 && rng.chance(0.5) ? n - 1 : n + 1) : undefined;
  }
  const pool = slot === 'food' ? world.foods : world.values.get(`${d}.${slot}`);
  const others = (pool ?? []).filter((v) => normValue(v) !== normValue(current));
  return others.length ? rng.pick(others) : undefined;
}

export function applySearchErrors(
  ctx: ErrorContext,
  d: Domain,
  db: DomainBelief,
  args: Record<string, string>,
): PerturbedCall | { kind: 'ask'; slot: Slot } {
  const { rates } = ctx;
  const rng = ctx.rng.fork('search-errors');
  const keys = Object.keys(args);
  if (rng.fork('chat').chance(rates.chatInsteadOfAct) && !args.name) {
    const open = SEARCH_SLOTS[d].filter((s) => s !== 'name' && !(s in args) && !db.dontCare.has(s));
    if (open.length) return { kind: 'ask', slot: rng.pick(open) };
  }
  let name: string | undefined;
  let out = { ...args };
  const tool = rng.fork('tool');
  if (tool.chance(rates.wrongTool)) {
    if (isBookable(d) && tool.chance(0.5)) {
      name = bookApi(d);
      out = args.name ? { name: args.name } : {};
    } else {
      const other = tool.pick(DOMAINS.filter((x) => x !== d));
      name = searchApi(other);
      out = Object.fromEntries(
        Object.entries(args).filter(([k]) => (SEARCH_SLOTS[other] as readonly string[]).includes(k)),
      );
    }
  }
  const miss = rng.fork('missing');
  if (keys.length >= 2 && miss.chance(rates.missingSlot)) delete out[miss.pick(keys)];
  const wrong = rng.fork('wrong');
  if (keys.length >= 1 && wrong.chance(rates.wrongSlot)) {
    const k = wrong.pick(keys);
    const v = out[k] !== undefined ? wrongValue(ctx.world, d, k, out[k], wrong) : undefined;
    if (v !== undefined) out[k] = v;
  }
  let json = JSON.stringify(out);
  const mal = rng.fork('malformed');
  if (mal.chance(rates.malformedArgs)) json = malformed(json, mal);
  return { kind: 'call', name, json };
}

export function applyBookErrors(
  ctx: ErrorContext,
  d: Domain,
  db: DomainBelief,
  args: Record<string, string>,
): { name?: string; json: string } {
  const { rates } = ctx;
  const rng = ctx.rng.fork('book-errors');
  let name: string | undefined;
  let out = { ...args };
  const tool = rng.fork('tool');
  if (tool.chance(rates.wrongTool)) {
    // Searching again instead of booking: a wasted call, as models often do.
    name = searchApi(d);
    out = Object.fromEntries(
      Object.entries(db.constraints).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } else {
    const details = (BOOK_SLOTS[d] as readonly string[]).filter((k) => k in out);
    const miss = rng.fork('missing');
    if (details.length >= 2 && miss.chance(rates.missingSlot)) delete out[miss.pick(details)];
    const wrong = rng.fork('wrong');
    const keys = Object.keys(out);
    if (keys.length && wrong.chance(rates.wrongSlot)) {
      const k = wrong.pick(keys);
      const v =
        k === ENTITY_KEY[d]
          ? wrongValue(ctx.world, d, 'name', out[k], wrong)
          : wrongValue(ctx.world, d, k, out[k], wrong);
      if (v !== undefined) out[k] = v;
    }
  }
  let json = JSON.stringify(out);
  const mal = rng.fork('malformed');
  if (mal.chance(rates.malformedArgs)) json = malformed(json, mal);
  return { name, json };
}
