// The bench's scenarios: how many conversations, how many at once, how many worker processes, and
// (for the named ones) the search settings they pin regardless of the bench's flags.

export interface Scenario {
  name: string;
  concurrency: number;
  workers: number;
  conversations: number;
  /** Pinned search settings; otherwise the bench's --beam / --max-steps. */
  beamSize?: number;
  /** `null`: the run config's default (what `josh harvest` uses). */
  maxSteps?: number | null;
}

export const DEFAULT_SCENARIOS = 'single,c1x1,c8x1,c32x1,c1x2,c8x2,c32x2';

/**
 * Named scenarios, not run by default (long). `val100` is issue 17's target: 100 ToolWOZ `val`
 * tasks, beam 8, concurrency 8, one worker, the run config's default steps — the same work the
 * paper's Python reference finished in ~193 s on this machine with a 200 ms model.
 */
const NAMED: Record<string, Omit<Scenario, 'name'>> = {
  val100: { concurrency: 8, workers: 1, conversations: 100, beamSize: 8, maxSteps: null },
};

/** `single`, `c<concurrency>x<workers>` (concurrency × rounds conversations, at least `min`), or a
 * named scenario. */
export function scenarioOf(name: string, rounds: number, min: number): Scenario {
  if (name === 'single') return { name, concurrency: 1, workers: 1, conversations: 1 };
  const named = NAMED[name];
  if (named) return { name, ...named };
  const m = /^c(\d+)x(\d+)$/.exec(name);
  if (!m) {
    throw new Error(
      `unknown scenario ${name} (single, c<concurrency>x<workers>, or ${Object.keys(NAMED).join(', ')})`,
    );
  }
  const concurrency = Number(m[1]);
  return {
    name,
    concurrency,
    workers: Number(m[2]),
    conversations: Math.max(min, concurrency * rounds),
  };
}
