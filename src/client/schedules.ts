// Recurring runs on Temporal Schedules: each firing starts the harvest workflow with the same
// config and no id, so the run is named by its workflow id, `<scheduleId>-<scheduled time>`.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSummary,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import type { RunConfig } from '../config/run';
import { formatZodError, strictObject } from '../config/run';
import { HARVEST_WORKFLOW_TYPE } from '../shared/harvestApi';
import { SA } from '../shared/searchAttributes';
import { parseScheduledConfig, type ScheduledRunConfig } from './config';
import { InvalidConfigError, RunNotFoundError, searchAttributeRefusal } from './errors';

import { OVERLAP_POLICIES, type OverlapPolicy } from './overlap';
export { OVERLAP_POLICIES, type OverlapPolicy };

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
};

export interface CreateScheduleOptions {
  /** Schedule id; scheduled runs are named `<id>-<scheduled time, RFC 3339>`. */
  id: string;
  /** Cron expression(s), e.g. `0 3 * * *` (03:00 every day, in `timezone`). */
  cron?: string | string[];
  /** A fixed interval instead of (or as well as) cron: `30m`, `1h`, `1 day`, or milliseconds. */
  every?: string | number;
  /** IANA time zone of the cron expressions (default UTC). */
  timezone?: string;
  /** The run config every firing starts (no `id`, no `outDir`). */
  config: ScheduledRunConfig;
  /** When a firing comes while the previous run still runs (default `skip`). */
  overlap?: OverlapPolicy;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
}

export interface ScheduleInfo {
  id: string;
  cron: string[];
  every: string[];
  timezone: string | null;
  paused: boolean;
  note: string | null;
  /** Upcoming firing times. */
  nextRuns: Date[];
  /** Runs it started most recently, oldest first: their ids are run ids. */
  recentRuns: { id: string; scheduledAt: Date; startedAt: Date }[];
  /** The config each firing starts, and where (only filled in by `describeSchedule`). */
  config: Omit<RunConfig, 'id'> | null;
  taskQueue: string | null;
}

/** Kept in the schedule's memo: Temporal compiles cron strings into calendars, we show what was given. */
const MEMO_KEY = 'joshSchedule';
const ScheduleMemo = z.object({
  cron: z.array(z.string()),
  every: z.array(z.string()),
  timezone: z.string().nullable(),
});

const RFC3339_SUFFIX = '-2006-01-02T15:04:05Z'.length;

// Strict like the run config: a misspelled option (`timeZone`) is refused, not silently defaulted.
const ScheduleOptionsSchema = strictObject({
  id: z
    .string()
    .min(1)
    .max(200 - RFC3339_SUFFIX, `at most ${200 - RFC3339_SUFFIX} characters (run ids add the time)`)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  cron: z
    .union([z.string().trim().min(1), z.array(z.string().trim().min(1)).min(1)])
    .optional()
    .transform((c) => (c === undefined ? [] : Array.isArray(c) ? c : [c])),
  every: z
    .union([z.string().trim().min(1), z.number().positive()])
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        if (msToNumber(v as Duration) >= 1000) return;
      } catch {
        // reported below
      }
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration of at least 1 second, e.g. 30m, 6h, 1 day',
      });
    }),
  timezone: z.string().min(1).optional(),
  config: z.unknown(),
  overlap: z.enum(OVERLAP_POLICIES).default('skip'),
  paused: z.boolean().default(false),
  note: z.string().optional(),
}).superRefine((o, ctx) => {
  if (o.cron.length === 0 && o.every === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['cron'],
      message: 'give a cron expression or an interval (every)',
    });
  }
});

export async function createSchedule(
  client: Client,
  taskQueue: string,
  options: CreateScheduleOptions,
): Promise<ScheduleInfo> {
  const parsed = ScheduleOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidConfigError(formatZodError('schedule', parsed.error));
  const o = parsed.data;
  const config = parseScheduledConfig(o.config, o.id, `schedule ${o.id}: config`);
  const every = o.every === undefined ? [] : [String(o.every)];
  try {
    await client.schedule.create({
      scheduleId: o.id,
      spec: {
        cronExpressions: o.cron,
        intervals: o.every === undefined ? undefined : [{ every: o.every as Duration }],
        timezone: o.timezone,
      },
      action: {
        type: 'startWorkflow',
        workflowType: HARVEST_WORKFLOW_TYPE,
        taskQueue,
        workflowId: o.id,
        args: [config],
        staticSummary: `scheduled ${config.mode} ${config.env}/${config.split} (schedule ${o.id})`,
        // JoshHarvestId is set by the workflow itself: only it knows its id.
        typedSearchAttributes: [
          { key: SA.kind, value: config.mode === 'eval' ? 'eval' : 'harvest' },
          { key: SA.env, value: config.env },
          { key: SA.split, value: config.split },
          { key: SA.status, value: 'running' },
        ],
      },
      policies: { overlap: OVERLAP[o.overlap] },
      state: { paused: o.paused, note: o.note },
      memo: { [MEMO_KEY]: { cron: o.cron, every, timezone: o.timezone ?? null } },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) {
      throw new InvalidConfigError(`schedule ${o.id} already exists (delete it first to replace it)`);
    }
    const unregistered = searchAttributeRefusal(err, client.options.namespace);
    if (unregistered) throw unregistered;
    // The client turns the server's INVALID_ARGUMENT (e.g. a malformed cron string) into a TypeError.
    if (err instanceof TypeError) throw new InvalidConfigError(`schedule ${o.id}: ${err.message}`);
    throw err;
  }
  return describeSchedule(client, o.id);
}

export async function describeSchedule(client: Client, id: string): Promise<ScheduleInfo> {
  const d = await scheduleCall(id, () => client.schedule.getHandle(id).describe());
  return {
    ...infoOf(d),
    config: (d.action.args?.[0] as Omit<RunConfig, 'id'> | undefined) ?? null,
    taskQueue: d.action.taskQueue,
  };
}

/** The schedules that start harvest/eval runs, by id. */
export async function listSchedules(client: Client): Promise<ScheduleInfo[]> {
  const out: ScheduleInfo[] = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.workflowType === HARVEST_WORKFLOW_TYPE) out.push(infoOf(s));
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export async function scheduleCall<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new RunNotFoundError(`no schedule with id "${id}"`);
    throw err;
  }
}

function infoOf(s: ScheduleSummary | ScheduleDescription): ScheduleInfo {
  const memo = ScheduleMemo.safeParse(s.memo?.[MEMO_KEY]);
  return {
    id: s.scheduleId,
    cron: memo.success ? memo.data.cron : [],
    every: memo.success ? memo.data.every : [],
    timezone: memo.success ? memo.data.timezone : null,
    paused: s.state.paused,
    note: s.state.note || null,
    nextRuns: s.info.nextActionTimes,
    recentRuns: s.info.recentActions.map((a) => ({
      id: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt,
      startedAt: a.takenAt,
    })),
    config: null,
    taskQueue: null,
  };
}
