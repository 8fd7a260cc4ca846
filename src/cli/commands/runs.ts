// `josh runs list|show|pause|resume|cancel|set`: find and control harvests and evals running on a
// cluster (e.g. a `josh server`), through the typed client API, so the CLI and other services
// control runs the same way.
import { Command, Option } from 'commander';
import { z } from 'zod';
import type { JoshClient } from '../../client/client';
import { RunFailedError } from '../../client/errors';
import {
  RUN_KINDS,
  RUN_STATUSES,
  findRunProblem,
  formatRunProblem,
  plainReason,
  type RunProblem,
  type RunSummary,
} from '../../client/runs';
import { RunConfig, formatZodError, inputIssues } from '../../config/run';
import { UserError } from '../../util/errors';
import { addConnectionOptions, type ConnectionOptionFlags } from '../connectionOptions';
import { summaryLines } from '../watch';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** Connects with the connection flags (else TEMPORAL_*), runs `fn`, closes. */
export async function withJoshClient<T>(
  flags: ConnectionOptionFlags & { taskQueue?: string },
  fn: (josh: JoshClient) => Promise<T>,
): Promise<T> {
  const { taskQueue, address, namespace, apiKey, tls, tlsCert, tlsKey, tlsCa } = flags;
  // Loaded on use: the Temporal client is most of what `josh --help` would otherwise load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { connect } = require('../../client/client') as typeof import('../../client/client');
  const josh = await connect({ address, namespace, apiKey, tls, tlsCert, tlsKey, tlsCa, taskQueue });
  try {
    return await fn(josh);
  } finally {
    await josh.close();
  }
}

export const time = (d: Date | null): string => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-');

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

/** Why a run failed or was terminated, in one line: plain words first, then the failure itself. */
async function failureOf(josh: JoshClient, id: string): Promise<string | null> {
  try {
    await josh.waitForResult(id);
    return null;
  } catch (err) {
    if (!(err instanceof RunFailedError)) return null;
    return explain(err.message.replace(/^run \S+ (failed|terminated): /, ''));
  }
}

/** A failure message with its plain-words reason first, when that says something more. */
function explain(message: string): string {
  const why = message.split('\n')[0];
  const plain = plainReason(why);
  return plain !== why ? `${plain}: ${why}` : why;
}

/** The <id> argument, checked as `harvest --id` checks a run id, before anything connects: an empty
 * one would otherwise reach the server, whose INVALID_ARGUMENT is a stack trace, not an answer. */
function runIdArg(id: string): string {
  const parsed = RunConfig.shape.id.safeParse(id);
  if (parsed.success) return id;
  const why = inputIssues(parsed.error).map((i) => i.message);
  throw new UserError(`run id ${JSON.stringify(id)}: ${why.join('; ')}`);
}

const Concurrency = z.coerce.number().int('must be a whole number').min(1).max(1000);
const Limit = z.coerce.number().int().min(1).max(10_000);

export function register(program: Command): void {
  const runs = program
    .command('runs')
    .description('list, inspect and control harvest/eval runs on a Temporal cluster');

  addConnectionOptions(
    runs
      .command('list')
      .description('harvest and eval runs, newest first')
      .addOption(new Option('--kind <kind>', 'only this kind').choices(RUN_KINDS))
      .addOption(new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES))
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'print JSON'),
  ).action(
    async (
      f: ConnectionOptionFlags & {
        kind?: 'harvest' | 'eval';
        status?: string;
        limit: string;
        json?: boolean;
      },
    ) => {
      const limit = Limit.safeParse(f.limit);
      if (!limit.success) throw new UserError(formatZodError('--limit', limit.error));
      const list = await withJoshClient(f, (josh) =>
        josh.listRuns({
          kind: f.kind,
          status: f.status as RunSummary['status'] | undefined,
          limit: limit.data,
        }),
      );
      if (f.json) return say(JSON.stringify(list, null, 2));
      if (list.length === 0) return say('no runs');
      const rows = list.map((r) => [
        r.id,
        r.kind,
        r.status,
        `${r.env ?? '-'}/${r.split ?? '-'}`,
        time(r.startTime),
        time(r.closeTime),
        r.averageReward === null ? '-' : r.averageReward.toFixed(3),
      ]);
      for (const line of table(['ID', 'KIND', 'STATUS', 'ENV/SPLIT', 'STARTED', 'CLOSED', 'REWARD'], rows))
        say(line);
    },
  );

  addConnectionOptions(
    runs
      .command('show')
      .argument('<id>', 'run id', runIdArg)
      .description('one run: status, progress, configuration')
      .option('--json', 'print JSON'),
  ).action(async (id: string, f: ConnectionOptionFlags & { json?: boolean }) => {
    const { run, problem, failure } = await withJoshClient(f, async (josh) => {
      const run = await josh.getRun(id);
      // Why it is not moving (a running run), or why it ended (a failed or terminated one).
      const open = run.status === 'running' || run.status === 'paused';
      const problem: RunProblem | null = open
        ? await findRunProblem(josh.temporal.workflow, id).catch(() => null)
        : null;
      const failure = ['failed', 'terminated', 'timed-out'].includes(run.status)
        ? await failureOf(josh, id)
        : null;
      return { run, problem, failure };
    });
    if (f.json) return say(JSON.stringify({ ...run, problem, failure }, null, 2));
    const c = run.config;
    const rows: [string, string][] = [
      ['run', `${run.id} (${run.kind})`],
      ['status', `${run.status} (Temporal: ${run.temporalStatus})`],
      ['started', time(run.startTime)],
      ['closed', time(run.closeTime)],
    ];
    if (failure) rows.push(['reason', failure]);
    if (problem) rows.push(['retrying', formatRunProblem(problem)]);
    if (problem) rows.push(['failure', problem.message]);
    if (run.progress?.lastError && !failure) rows.push(['last error', explain(run.progress.lastError)]);
    if (run.scheduleId) rows.push(['schedule', run.scheduleId]);
    if (c) {
      rows.push([
        'search',
        `beam ${c.beamSize}, branching ${c.branching}, max steps ${c.maxSteps}, user ${c.userSim}`,
      ]);
      rows.push(['models', `agent ${c.agentModel} (t=${c.agentTemperature}), user ${c.userModel}`]);
    }
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) say(`  ${k.padEnd(w)}  ${v}`);
    if (!run.progress) return say('  progress  unavailable (no worker answered the progress query)');
    say('');
    for (const line of summaryLines(run.progress, {
      running: run.status === 'running' || run.status === 'paused' ? String(run.progress.running) : null,
      concurrency: String(run.progress.concurrency),
    }))
      say(line);
  });

  addConnectionOptions(
    runs
      .command('pause')
      .argument('<id>', 'run id', runIdArg)
      .description('start no new conversations (the running ones finish)'),
  ).action(async (id: string, f: ConnectionOptionFlags) => {
    await withJoshClient(f, async (josh) => {
      await josh.pause(id);
      const p = await josh.getProgress(id).catch(() => null);
      const finishing = p && p.running > 0 ? `; ${p.running} running conversation(s) finish first` : '';
      say(`paused ${id}${finishing} (resume with: josh runs resume ${id})`);
    });
  });

  addConnectionOptions(
    runs.command('resume').argument('<id>', 'run id', runIdArg).description('start conversations again'),
  ).action(async (id: string, f: ConnectionOptionFlags) => {
    await withJoshClient(f, (josh) => josh.resume(id));
    say(`resumed ${id}`);
  });

  addConnectionOptions(
    runs
      .command('cancel')
      .argument('<id>', 'run id', runIdArg)
      .description('stop the run: running conversations stop, finished ones stay in the run directory')
      .option('--wait', 'wait until it has stopped and print its final summary'),
  ).action(async (id: string, f: ConnectionOptionFlags & { wait?: boolean }) => {
    await withJoshClient(f, async (josh) => {
      await josh.cancel(id);
      if (!f.wait) return say(`cancel requested for ${id} (josh runs show ${id} to follow it)`);
      try {
        const final = await josh.waitForResult(id);
        say(`${id} ${final.status}`);
        for (const line of summaryLines(final)) say(line);
      } catch (err) {
        if (err instanceof RunFailedError) throw new UserError(err.message, 1);
        throw err;
      }
    });
  });

  addConnectionOptions(
    runs
      .command('set')
      .argument('<id>', 'run id', runIdArg)
      .description('retune a running run')
      .requiredOption('--concurrency <n>', 'conversations at once (1..1000)'),
  ).action(async (id: string, f: ConnectionOptionFlags & { concurrency: string }) => {
    const n = Concurrency.safeParse(f.concurrency);
    if (!n.success) throw new UserError(formatZodError('--concurrency', n.error));
    const change = await withJoshClient(f, (josh) => josh.setConcurrency(id, n.data));
    say(`${id}: concurrency ${change.previous} -> ${change.concurrency}`);
  });
}
