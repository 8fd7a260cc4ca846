// Which settings of two run configs of one id differ in a way that changes the run's data. A run id
// names one set of data: resuming it with other settings would mix two experiments in one
// directory. Used where a run is started (src/runtime/startRun.ts, against the workflow's memo)
// and by the activity that writes the run's manifest (against harvest.json, whatever started it).
import type { z } from 'zod';
import { RunConfig } from './run';

/** One field in which a requested config differs from the recorded one. */
export interface ConfigDifference {
  field: string;
  /** The value the existing run was started with (undefined: not set). */
  recorded: unknown;
  /** The value asked for now. */
  requested: unknown;
}

/** Settings that do not shape a run's data: they may differ between two invocations of one run
 * (the window of conversations at once, the LLM-call budget, the price table of the estimate, and
 * where the worker finds the run directory, which may be mounted elsewhere on another machine). */
export const SETTINGS_NOT_COMPARED = ['concurrency', 'maxLlmCalls', 'prices', 'outDir'] as const;

/** The fields that shape the data in which two configs of one id differ, in schema order. */
export function configDifferences(
  recordedRaw: Record<string, unknown>,
  requested: RunConfig,
): ConfigDifference[] {
  return settingsDifferences(RunConfig, recordedRaw, requested, SETTINGS_NOT_COMPARED);
}

/** Settings of a training that do not shape its model: how often it polls, where its files go. */
export const TRAIN_SETTINGS_NOT_COMPARED = ['pollSeconds', 'outDir'] as const;
/** Settings of a campaign that do not shape its rounds' data: as for runs, and its polling. */
export const LOOP_SETTINGS_NOT_COMPARED = ['concurrency', 'prices', 'pollSeconds'] as const;

/** The fields of any config schema (a run's, a training's, a campaign's) in which a recorded
 * config and a requested one differ, `skip` aside, in schema order. */
export function settingsDifferences(
  schema: z.ZodObject,
  recordedRaw: Record<string, unknown>,
  requested: Record<string, unknown> & { id: string },
  skip: readonly string[],
): ConfigDifference[] {
  // Defaults filled in the same way on both sides (a field added since is at its default).
  const parsed = schema.safeParse({ ...recordedRaw, id: requested.id });
  const recorded: Record<string, unknown> = parsed.success
    ? (parsed.data as Record<string, unknown>)
    : recordedRaw;
  const asked: Record<string, unknown> = { ...requested };
  const normal = (c: Record<string, unknown>, key: string): string | undefined => {
    let v = c[key];
    if (key === 'seed') v = v ?? c.id; // the seed defaults to the run id
    if (/^(taskIds|trainTaskIds|testTaskIds)$/.test(key) && Array.isArray(v))
      v = v.map((t) => String(t).replace(/\.json$/, '')).sort();
    return v === undefined ? undefined : stableJson(v);
  };
  const order = [...Object.keys(schema.shape), ...Object.keys(recorded), ...Object.keys(asked)];
  const skipped = new Set<string>(['id', ...skip]);
  const out: ConfigDifference[] = [];
  for (const key of new Set(order)) {
    if (skipped.has(key) || normal(recorded, key) === normal(asked, key)) continue;
    out.push({ field: key, recorded: recorded[key], requested: asked[key] });
  }
  return out;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
