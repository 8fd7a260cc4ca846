// Run configurations as the client API receives them — plain objects, maybe read from JSON or YAML
// — checked by the one strict RunConfig schema (an unknown field is refused, never dropped). A
// scheduled run's config has no id: each run gets its own.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { RunConfig, formatZodError, inputIssues, type RunConfigInput } from '../config/run';
import { InvalidConfigError } from './errors';

/** What `startHarvest`/`startEval` take: a run config whose id may be left out (one is made up). */
export type StartConfig = Omit<RunConfigInput, 'id'> & { id?: string };
/** What a schedule starts on every firing: a run config without `id` (each run's id is its
 * workflow id, `<scheduleId>-<time>`) and without `outDir` (runs would share one directory). */
export type ScheduledRunConfig = Omit<RunConfigInput, 'id' | 'outDir'>;

type StartKind = 'harvest' | 'eval';

/** `harvest-20260102-030405-a1b2`: readable, sortable, and unlikely to collide between services. */
export function generateRunId(mode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${mode}-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function parseStartConfig(input: unknown, kind: StartKind, where = 'run config'): RunConfig {
  const raw = asObject(input, where);
  const mode = raw.mode ?? (kind === 'eval' ? 'eval' : 'harvest');
  if (kind === 'eval' && mode !== 'eval') {
    throw invalid(where, [{ path: 'mode', message: `startEval runs mode "eval", got "${String(mode)}"` }]);
  }
  if (kind === 'harvest' && mode === 'eval') {
    throw invalid(where, [{ path: 'mode', message: 'use startEval for mode "eval"' }]);
  }
  const id = raw.id ?? generateRunId(typeof mode === 'string' ? mode : kind);
  return check({ ...raw, mode, id }, where);
}

/** Checks a scheduled run's config with the run schema (the schedule id stands in for the id). */
export function parseScheduledConfig(
  input: unknown,
  scheduleId: string,
  where = 'schedule config',
): Omit<RunConfig, 'id'> {
  const raw = asObject(input, where);
  const refused: { path: string; message: string }[] = [];
  if (raw.id !== undefined) {
    refused.push({ path: 'id', message: 'leave it out: each scheduled run is named <schedule id>-<time>' });
  }
  if (raw.outDir !== undefined) {
    refused.push({
      path: 'outDir',
      message: 'leave it out: every scheduled run would write to one directory',
    });
  }
  if (refused.length) throw invalid(where, refused);
  const { id: _id, ...config } = check({ ...raw, id: scheduleId }, where);
  return config;
}

function asObject(input: unknown, where: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(where, [{ path: '(root)', message: 'expected an object' }]);
  }
  return input as Record<string, unknown>;
}

function check(raw: Record<string, unknown>, where: string): RunConfig {
  const parsed = RunConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new InvalidConfigError(formatZodError(where, parsed.error), issuesOf(parsed.error));
}

/** One per problem; an unknown field is one at its own path (`beamsize`, `prices.m.inptu`). */
function issuesOf(err: z.ZodError): { path: string; message: string }[] {
  return inputIssues(err).map((i) => ({
    path: i.path.length ? i.path.join('.') : '(root)',
    message: i.message,
  }));
}

function invalid(where: string, issues: { path: string; message: string }[]): InvalidConfigError {
  return new InvalidConfigError(issues.map((i) => `${where}: ${i.path}: ${i.message}`).join('\n'), issues);
}
