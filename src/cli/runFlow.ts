// The shared body of `harvest`, `eval` and `demo`: check the input before anything is written,
// open a session (embedded server/model/worker when nothing is configured), start or attach,
// watch progress, print the summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServiceError } from '@temporalio/client';
import { taskSelection, type RunConfig } from '../config/run';
import { resolveDataDir } from '../env/dataDir';
import { readProvenance } from '../export/recorded';
import { resolveTaskIds } from '../activities/env';
import { checkEnvironmentData, getEnvironment, workerPromptsSource } from '../env';
import { openSession, type Session } from '../runtime/session';
import { checkAgainstExistingRun, startOrAttach } from '../runtime/startRun';
import { isListening } from '../temporal/ports';
import { workerRunsHere } from './connectionOptions';
import { refuseOtherOwner } from '../util/dirOwner';
import { createLogger } from '../util/logger';
import { notADirectory } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { guardInterrupt } from './interrupt';
import { summaryLines, watchRun } from './watch';
import type { HarvestProgress } from '../shared/harvestApi';
import type { RunFlags } from './runOptions';

export interface RunOutcome {
  progress: HarvestProgress;
  runDir: string;
  uiUrl: string | null;
  /** The Web UI's workflow list filtered to this run (its JoshHarvestId search attribute). */
  webUi: string | null;
  /** The embedded server stops with the command, and its Web UI with it. */
  embeddedServer: boolean;
  simStats: unknown;
}

export function webUiRunLink(uiUrl: string, namespace: string, runId: string): string {
  return `${uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(`JoshHarvestId="${runId}"`)}`;
}

/** The Web UI of an external cluster: JOSH_UI_URL, or the local one (`josh server`, compose) when
 * the cluster is on this machine and something serves port 8233 (a `--headless` server has no UI:
 * no link then, rather than a dead one). */
async function externalUiUrl(address: string | undefined): Promise<string | null> {
  if (process.env.JOSH_UI_URL) return process.env.JOSH_UI_URL.replace(/\/+$/, '');
  const host = (address ?? 'localhost:7233').replace(/:\d+$/, '');
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host)) return null;
  return (await isListening('127.0.0.1', 8233)) ? 'http://localhost:8233' : null;
}

export async function executeRun(config: RunConfig, flags: RunFlags): Promise<RunOutcome> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const external = Boolean(flags.address ?? process.env.TEMPORAL_ADDRESS);
  const dataDir = resolveDataDir(flags.dataDir);
  // Fail on unknown splits or task ids, or a prompts file that is not one, before a server starts
  // or a file is written.
  const localWorker = workerRunsHere(flags);
  // The worker in this process takes JOSH_PROMPTS_FILE as `josh worker` does (it was ignored).
  const prompts = flags.prompts
    ? { file: flags.prompts, shown: '--prompts' }
    : localWorker && process.env.JOSH_PROMPTS_FILE
      ? { file: process.env.JOSH_PROMPTS_FILE, shown: 'JOSH_PROMPTS_FILE' }
      : undefined;
  const promptsFile = prompts
    ? checkPromptsFile(prompts.file, prompts.shown, config.env, dataDir)
    : undefined;
  const taskIds = selectedTasks(config, dataDir);
  // Everything the worker here will read (tools, policy, database), read now: a missing or damaged
  // file is one line before anything starts, not an activity retrying it once the run has begun.
  if (localWorker) checkEnvironmentData(config.env, dataDir, { promptsFile, split: config.split });
  const runsRoot = path.resolve('runs');
  const runDir = config.outDir ?? path.join(runsRoot, config.id);
  refuseFileInTheWay(runDir, flags.out !== undefined ? `--out ${flags.out}` : runDir);
  // A worker here with other prompts than the run recorded would have its model calls refused
  // (PromptsMismatch) one by one: say it once, up front.
  if (localWorker) {
    // A directory that holds other work (another run's, a training's, a campaign's): refused before
    // its embedded server starts (which keeps its state in the run directory) or a workflow is
    // recorded. The run's own setup activity refuses it too, for workers elsewhere.
    refuseOtherOwner(runDir, { kind: 'run', id: config.id }, 'another --out');
    refuseOtherPrompts(config.id, runDir, promptsFile, prompts?.shown);
  }
  const logger = createLogger(process.env.JOSH_LOG_LEVEL ? {} : { level: 'warn' });
  let session: Session | null = null;
  const interrupt = guardInterrupt(
    say,
    `the run stays in Temporal; rerun with --id ${config.id} to resume or attach`,
  );
  try {
    session = await interrupt.opening(
      openSession({
        runDir,
        runsRoot,
        dataDir,
        connection: { address: flags.address, namespace: flags.namespace },
        logger,
        worker: flags.worker,
        taskQueue: flags.taskQueue,
        promptsFile,
        modelsFile: flags.models,
        say,
        // Refused before a worker or the simulated model starts, so the refusal is the only line.
        beforeWorker: (client) => checkAgainstExistingRun(client, config),
        signal: interrupt.signal,
        retriesShown: true, // watchRun's "retrying: ..."
      }),
    );
    const { handle, outcome } = await startOrAttach(session.client, config, flags.taskQueue);
    const verb = {
      started: 'started',
      attached: 'attached to running',
      'already-done': 'already finished:',
      restarted: 'restarted',
    }[outcome];
    say(
      `${verb} ${config.mode} ${config.id}: ${taskIds.length * config.trials} conversations${external ? '' : ' (embedded Temporal server)'}`,
    );
    const uiUrl = session.uiUrl ?? (await externalUiUrl(flags.address ?? process.env.TEMPORAL_ADDRESS));
    const webUi = uiUrl ? webUiRunLink(uiUrl, session.namespace, config.id) : null;
    const progress = await lostServerIsUserError(config.id, () =>
      watchRun(handle, {
        tty: Boolean(process.stderr.isTTY),
        out: process.stderr,
        webUi,
        signal: interrupt.signal,
      }),
    );
    const simStats = session.simStats?.() ?? null;
    const embeddedServer = session.embeddedServer;
    return {
      progress,
      runDir: progress.runDir || runDir,
      uiUrl: session.uiUrl,
      webUi,
      embeddedServer,
      simStats,
    };
  } catch (err) {
    return interrupt.failed(err);
  } finally {
    interrupt.dispose();
    await session?.close();
  }
}

/** The run's task ids, resolved from the local data as the workflow will resolve them: an unknown
 * split or task id, or a window with no task, is refused here (harvest, and the runs a campaign or
 * a schedule will start) instead of failing once a workflow runs. */
export function selectedTasks(config: RunConfig, dataDir: string): string[] {
  const { taskIds, skippedUnsolvable, candidates = 0 } = resolveTaskIds(dataDir, taskSelection(config));
  if (taskIds.length === 0) throw new UserError(noTasksSelected(config, candidates, skippedUnsolvable));
  return taskIds;
}

/** Why a window holds no task, in the flags' words: --start applies to the ids of --tasks too, which
 * a user of `--tasks X --start 3` does not expect, and unsolvable tasks are left out unless kept. */
function noTasksSelected(config: RunConfig, candidates: number, skippedUnsolvable: number): string {
  const n = config.taskIds?.length ?? skippedUnsolvable;
  const from = config.taskIds
    ? `the ${n} task${n === 1 ? '' : 's'} listed in --tasks (taskIds)`
    : `the tasks of the ${config.split} split`;
  // No candidate: every task of the selection was unsolvable (an empty split is refused with the data).
  if (candidates === 0)
    return `no tasks selected: ${from} ${n === 1 ? 'is' : 'are all'} unsolvable (--include-unsolvable runs ${n === 1 ? 'it' : 'them'})`;
  const kind = config.includeUnsolvable ? '' : ' solvable';
  const count = `${candidates}${kind} task${candidates === 1 ? '' : 's'}`;
  const past = config.taskIds
    ? `the end of ${from} (${count}); --start applies to the listed tasks too`
    : `the end of the ${config.split} split (${count}); --start counts from 0`;
  return `no tasks selected: --start (start) ${config.start} is past ${past}`;
}

/** The run directory (or one of its parents) must be a directory where it exists. */
function refuseFileInTheWay(runDir: string, shown: string): void {
  const blocker = notADirectory(runDir); // an absent one is made when the run starts
  if (blocker) {
    const where = blocker === path.resolve(runDir) ? '' : ` (${blocker} is a file)`;
    throw new UserError(`${shown}: a file is in the way of the run directory${where}`);
  }
}

/** `--prompts FILE` (or JOSH_PROMPTS_FILE, `shown`) is a readable prompts file the environment
 * accepts; its absolute path. */
function checkPromptsFile(file: string, shown: string, env: RunConfig['env'], dataDir: string): string {
  const abs = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
    fs.accessSync(abs, fs.constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${shown} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable' : (e as Error).message}`,
    );
  }
  if (!stat.isFile()) {
    const what = stat.isDirectory() ? 'is a directory' : 'is not a regular file';
    throw new UserError(`${shown} ${file}: ${what}; expected a prompts file (YAML or JSON)`);
  }
  // Parses it (a typo in a prompt name is refused) as the worker's prompts and as the run's
  // environment loads it.
  workerPromptsSource(abs);
  getEnvironment(env, dataDir, { promptsFile: abs });
  return abs;
}

/** Losing the Temporal server mid-run is not a bug in the user's input, but the run is safe in
 * Temporal: say so in one line instead of a stack trace. */
async function lostServerIsUserError<T>(runId: string, watch: () => Promise<T>): Promise<T> {
  try {
    return await watch();
  } catch (err) {
    if (err instanceof ServiceError) {
      const why = (err.cause instanceof Error ? err.cause.message : err.message).split('\n')[0];
      throw new UserError(
        `lost contact with the Temporal server (${why}); the run is durable: rerun with --id ${runId} to resume`,
        1,
      );
    }
    throw err;
  }
}

export function printSummary(o: RunOutcome, title: string, extra: Record<string, string | null> = {}): void {
  // An embedded server's UI is gone once the command ends; the demo says how to reopen it.
  const webUi: Record<string, string> = o.webUi && !o.embeddedServer ? { 'Web UI': o.webUi } : {};
  const lines = summaryLines(o.progress, { ...webUi, ...extra });
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
}

/** The run directory's recorded prompts (provenance.json) must be the ones this invocation's
 * worker would use. */
function refuseOtherPrompts(
  runId: string,
  runDir: string,
  promptsFile: string | undefined,
  shown = '--prompts',
): void {
  const recorded = readProvenance(runDir);
  if (!recorded) return;
  const mine = workerPromptsSource(promptsFile);
  if (mine.hash === recorded.prompts.hash) return;
  const theirs = recorded.prompts.source ? `prompts file ${recorded.prompts.source}` : 'the built-in prompts';
  const ours = promptsFile ? `${shown} ${promptsFile}` : 'the built-in prompts';
  throw new UserError(
    `run ${runId} was recorded with ${theirs} (hash ${recorded.prompts.hash.slice(0, 12)}); this invocation has ${ours} ` +
      `(hash ${mine.hash.slice(0, 12)}): pass --prompts ${path.join(runDir, recorded.prompts.file)} (the recorded copy), or use another id`,
  );
}
