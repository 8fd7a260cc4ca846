// `josh schedule create|list|show|pause|resume|trigger|delete`: recurring harvests/evals on
// Temporal Schedules (no cron box). Each firing is a run of its own, `<schedule id>-<time>`.
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { parseScheduledConfig } from '../../client/config';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../../client/overlap';
import type { ScheduleInfo } from '../../client/schedules';
import { UserError } from '../../util/errors';
import type { RunConfig } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { UnknownTaskError } from '../../env/types';
import { environmentPlugin } from '../../env/registry';
import { addConnectionOptions, type ConnectionOptionFlags } from '../connectionOptions';
import { table, time, withJoshClient } from './runs';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

interface CreateFlags extends ConnectionOptionFlags {
  id: string;
  cron?: string[];
  every?: string;
  timezone?: string;
  config: string;
  overlap: OverlapPolicy;
  paused?: boolean;
  note?: string;
  taskQueue?: string;
  dataDir?: string;
}

/** The <id> of show/pause/resume/trigger/delete, refused before connecting when empty: the
 * server's INVALID_ARGUMENT would come back as a stack trace, or, with no server, as "cannot reach
 * Temporal" for a mistake that has nothing to do with the server. Only emptiness is refused here: a
 * schedule made by other tools may use characters `create` does not allow. */
function scheduleIdArg(id: string): string {
  if (id.trim() === '') throw new UserError(`schedule id ${JSON.stringify(id)}: must not be empty`);
  return id;
}

/** A run config file, JSON or YAML (by extension). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new UserError(
      `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
}

/** The config's split and task window, checked against the local data as `josh harvest` checks
 * its own: a schedule whose every firing would fail is refused at creation. */
function checkScheduledTasks(config: Omit<RunConfig, 'id'>, f: CreateFlags): void {
  // Loaded on use: they pull in the environments and the run machinery.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { selectedTasks } = require('../runFlow') as typeof import('../runFlow');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getEnvironment } = require('../../env') as typeof import('../../env');
  const dataDir = resolveDataDir(f.dataDir);
  try {
    try {
      getEnvironment(config.env, dataDir).listTasks(config.split);
    } catch (err) {
      // A split of the environment that this machine's data lacks (ToolWOZ's train split needs the
      // full MultiWOZ release): each firing reads the workers' data, which may hold it.
      if (environmentPlugin(config.env).splits.includes(config.split)) return;
      throw err;
    }
    selectedTasks({ ...config, id: f.id }, dataDir);
  } catch (err) {
    if (!(err instanceof UserError || err instanceof UnknownTaskError)) throw err;
    throw new UserError(`${f.config}: ${err.message}`, err instanceof UserError ? err.exitCode : 2);
  }
}

function describe(s: ScheduleInfo): string[] {
  const rows: [string, string][] = [
    ['schedule', s.id],
    ['when', [...s.cron.map((c) => `cron "${c}"`), ...s.every.map((e) => `every ${e}`)].join(', ') || '-'],
    ['time zone', s.timezone ?? 'UTC'],
    ['state', s.paused ? `paused${s.note ? ` (${s.note})` : ''}` : 'active'],
    ['next runs', s.nextRuns.slice(0, 3).map(time).join(', ') || '-'],
    ['recent runs', s.recentRuns.map((r) => r.id).join(', ') || '-'],
  ];
  if (s.taskQueue) rows.push(['task queue', s.taskQueue]);
  if (s.config) rows.push(['config', JSON.stringify(s.config)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}

export function register(program: Command): void {
  const schedule = program.command('schedule').description('recurring harvests/evals on Temporal Schedules');

  addConnectionOptions(
    schedule
      .command('create')
      .description('create a schedule that starts a run from a config file on a cron or interval')
      .requiredOption('--id <id>', 'schedule id; runs are named <id>-<scheduled time>')
      .option('--cron <expr...>', 'cron expression(s), e.g. "0 3 * * *" (03:00 daily)')
      .option('--every <duration>', 'fixed interval instead, e.g. 30m, 6h, "1 day"')
      .option('--timezone <tz>', 'IANA time zone of the cron expressions (default UTC)')
      .requiredOption('--config <file>', 'run config, JSON or YAML, without id and outDir')
      .addOption(
        new Option('--overlap <policy>', 'when a firing comes while the last run still runs')
          .choices(OVERLAP_POLICIES)
          .default('skip'),
      )
      .option('--paused', 'create it paused')
      .option('--note <text>', 'a note shown with the schedule')
      .option('--data-dir <dir>', "data directory, to check the config's split and tasks")
      .option('--task-queue <name>', 'task queue of the workers (JOSH_TASK_QUEUE, default josh)'),
  ).action(async (f: CreateFlags) => {
    // The help says --every is instead of --cron: given both, the schedule fired on each, silently.
    if (f.every !== undefined && f.cron !== undefined) {
      throw new UserError(
        '--every and --cron: give one of them (--every is a fixed interval instead of cron)',
      );
    }
    const config = readConfigFile(f.config);
    // Checked here, before connecting, by the same strict parse createSchedule uses: a mistake in
    // the file is one line per problem, naming the file, whether or not a server answers. (The
    // schedule id is checked by createSchedule; a stand-in keeps its mistakes off the file.)
    const parsed = parseScheduledConfig(config, 'schedule', f.config);
    checkScheduledTasks(parsed, f);
    const created = await withJoshClient(f, (josh) =>
      josh.createSchedule({
        id: f.id,
        cron: f.cron,
        every: f.every,
        timezone: f.timezone,
        config: config as never,
        overlap: f.overlap,
        paused: f.paused,
        note: f.note,
      }),
    );
    say(`created schedule ${created.id}`);
    for (const line of describe(created)) say(line);
  });

  addConnectionOptions(
    schedule
      .command('list')
      .description('schedules that start harvest/eval runs')
      .option('--json', 'print JSON'),
  ).action(async (f: ConnectionOptionFlags & { json?: boolean }) => {
    const list = await withJoshClient(f, (josh) => josh.listSchedules());
    if (f.json) return say(JSON.stringify(list, null, 2));
    if (list.length === 0) return say('no schedules');
    const rows = list.map((s) => [
      s.id,
      [...s.cron, ...s.every.map((e) => `every ${e}`)].join('; ') || '-',
      s.paused ? 'paused' : 'active',
      time(s.nextRuns[0] ?? null),
      s.recentRuns.at(-1)?.id ?? '-',
    ]);
    for (const line of table(['ID', 'WHEN', 'STATE', 'NEXT RUN', 'LAST RUN'], rows)) say(line);
  });

  addConnectionOptions(
    schedule
      .command('show')
      .argument('<id>', 'schedule id', scheduleIdArg)
      .description('one schedule: when, state, recent runs, config')
      .option('--json', 'print JSON'),
  ).action(async (id: string, f: ConnectionOptionFlags & { json?: boolean }) => {
    const s = await withJoshClient(f, (josh) => josh.describeSchedule(id));
    if (f.json) return say(JSON.stringify(s, null, 2));
    for (const line of describe(s)) say(line);
  });

  addConnectionOptions(
    schedule
      .command('pause')
      .argument('<id>', 'schedule id', scheduleIdArg)
      .description('stop firing (runs already started go on)')
      .option('--note <text>', 'why'),
  ).action(async (id: string, f: ConnectionOptionFlags & { note?: string }) => {
    await withJoshClient(f, (josh) => josh.pauseSchedule(id, f.note));
    say(`paused schedule ${id}`);
  });

  addConnectionOptions(
    schedule.command('resume').argument('<id>', 'schedule id', scheduleIdArg).description('fire again'),
  ).action(async (id: string, f: ConnectionOptionFlags) => {
    await withJoshClient(f, (josh) => josh.resumeSchedule(id));
    say(`resumed schedule ${id}`);
  });

  addConnectionOptions(
    schedule
      .command('trigger')
      .argument('<id>', 'schedule id', scheduleIdArg)
      .description('start a run now (subject to the overlap policy)'),
  ).action(async (id: string, f: ConnectionOptionFlags) => {
    await withJoshClient(f, (josh) => josh.triggerSchedule(id));
    say(`triggered schedule ${id}`);
  });

  addConnectionOptions(
    schedule
      .command('delete')
      .argument('<id>', 'schedule id', scheduleIdArg)
      .description('delete the schedule (runs it started are kept)'),
  ).action(async (id: string, f: ConnectionOptionFlags) => {
    await withJoshClient(f, (josh) => josh.deleteSchedule(id));
    say(`deleted schedule ${id}`);
  });
}
