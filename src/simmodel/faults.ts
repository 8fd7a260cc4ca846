// Injected transport faults. Each request draws at most one fault, deterministically: the draw is
// keyed by the server's fault seed, the request's content hash and how many times that same
// request has been seen, so a run is reproducible and a retried request can succeed.
import { z } from 'zod';
import { UserError } from '../util/errors';
import { Rng, mixSeeds } from './rng';

export const FAULT_KINDS = ['429', '500', '503', 'hang', 'drop', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultRates = Partial<Record<FaultKind, number>>;

export const FaultRatesSchema = z
  .object(
    Object.fromEntries(FAULT_KINDS.map((k) => [k, z.number().min(0).max(1)])) as Record<
      FaultKind,
      z.ZodNumber
    >,
  )
  .partial()
  .strict()
  .refine((r) => Object.values(r).reduce((a, b) => a + (b ?? 0), 0) <= 1 + 1e-9, {
    message: 'fault rates must add up to at most 1 (each request gets at most one fault)',
  });

/** Parses `429=0.2,500=0.1,hang=0.05` (the CLI form). */
export function parseFaultSpec(spec: string): FaultRates {
  const out: Record<string, number> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([\w]+)=([0-9.]+)$/.exec(part);
    if (!m) throw new UserError(`--faults: "${part}" is not kind=rate (kinds: ${FAULT_KINDS.join(', ')})`);
    if (!(FAULT_KINDS as readonly string[]).includes(m[1])) {
      throw new UserError(`--faults: unknown fault "${m[1]}" (kinds: ${FAULT_KINDS.join(', ')})`);
    }
    out[m[1]] = Number(m[2]);
  }
  const parsed = FaultRatesSchema.safeParse(out);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`--faults: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  }
  return parsed.data;
}

/** Per-request fault draws with an attempt counter per request content. */
export class FaultInjector {
  private readonly attempts = new Map<number, number>();

  constructor(
    private readonly rates: FaultRates,
    private readonly seed: number,
  ) {}

  get active(): boolean {
    return FAULT_KINDS.some((k) => (this.rates[k] ?? 0) > 0);
  }

  /** The fault for this request (or none), and a PRNG for its latency jitter. */
  draw(requestHash: number): { fault: FaultKind | undefined; rng: Rng } {
    const attempt = this.attempts.get(requestHash) ?? 0;
    // Bounded memory: a benchmark sends millions of distinct requests; a reset only means a
    // request seen long ago counts as new again.
    if (this.attempts.size > 200_000) this.attempts.clear();
    this.attempts.set(requestHash, attempt + 1);
    const rng = new Rng(mixSeeds(this.seed, requestHash, attempt));
    const u = rng.next();
    let acc = 0;
    for (const k of FAULT_KINDS) {
      acc += this.rates[k] ?? 0;
      if (u < acc) return { fault: k, rng };
    }
    return { fault: undefined, rng };
  }
}
