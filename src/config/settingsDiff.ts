// Which settings of two run configs differ in a way that changes a run's data. A run id names one
// set of data: resuming it with other settings would mix two experiments in one directory.
// zod-free, so workflow code and activities can use it.
import type { RunConfig } from './run';

/** Settings that change how fast or how far a run goes, or where its files are, not what its
 * conversations are: they may change between a run and its restart. */
export const SETTINGS_THAT_MAY_CHANGE: ReadonlySet<string> = new Set([
  'concurrency',
  'maxLlmCalls',
  'prices',
  'outDir',
]);

/** Data-shaping settings without a default: absent from a recorded config when left unset. */
const OPTIONAL_SETTINGS = ['seed', 'taskIds', 'limit'];

/** `field: recorded → requested` for each data-shaping field that differs. Any other field the
 * recorded config lacks is skipped: it came to the product after that run, which ran as its
 * default. */
export function settingsDiff(recorded: Partial<RunConfig>, requested: Partial<RunConfig>): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(recorded), ...OPTIONAL_SETTINGS])].sort()) {
    if (SETTINGS_THAT_MAY_CHANGE.has(k)) continue;
    const a = JSON.stringify((recorded as Record<string, unknown>)[k]);
    const b = JSON.stringify((requested as Record<string, unknown>)[k]);
    if (a !== b) out.push(`${k}: ${a ?? 'unset'} → ${b ?? 'unset'}`);
  }
  return out;
}
