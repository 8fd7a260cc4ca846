// Seeded randomness for the simulated model. Every draw comes from a PRNG seeded by the request
// (its content hash and its `seed`), never from Math.random, so the same request always gets the
// same response and a recorded run can be replayed byte for byte.
import { fnv1a } from '../util/hash';

/** The project's stable 32-bit string hash (FNV-1a). */
export const hashString = fnv1a;

/** Mixes several 32-bit values into one well-spread 32-bit seed (murmur3 finaliser per step). */
export function mixSeeds(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A small deterministic PRNG (mulberry32) with the helpers the policies need. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability p (p <= 0 never draws, so rate-0 knobs do not shift the stream). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    return this.next() < p;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A child generator with its own stream, so one decision's draws never shift another's. */
  fork(label: string): Rng {
    return new Rng(mixSeeds(this.state, fnv1a(label)));
  }
}
