// `josh train RUN_DIR`: fine-tune on a harvest, durably (the train workflow). Backend openai: the
// worker's endpoint (OPENAI_BASE_URL; the simulated model when none is set) gets the file and the
// job; the command follows the job until it ends and prints the model name. Backend trl: writes
// the TRL script and config, runs them when the worker has JOSH_TRL_COMMAND, else prints the
// command. Same --id again attaches to the training, or restarts it (finding its job).
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { resolveDataDir } from '../../env/dataDir';
import { EXPORT_FORMATS } from '../../export/formats';
import { refuseOtherOwner } from '../../util/dirOwner';
import { UserError } from '../../util/errors';
import { findRunProblem, formatRunProblem } from '../../client/runs';
import { getTrainProgress, parseTrainConfig, startTrain, waitForWorkflow } from '../../client/training';
import { STUCK_CHECK_MS } from '../watch';
import type { TrainProgress } from '../../train/api';
import type { TrainConfigInput } from '../../train/config';
import { resolveRunDir } from '../../eval/load';
import { loadRun as loadExportRun, readRunManifest, unfinishedNote } from '../../export/load';
import { numberArg } from '../argParsers';
import { addConnectionOptions, workerRunsHere, type ConnectionOptionFlags } from '../connectionOptions';
import { guardInterrupt } from '../interrupt';
import type { Session } from '../../runtime/session';

const num = numberArg;
const hyper =
  (what: string) =>
  (v: string): number | 'auto' =>
    v === 'auto' ? 'auto' : num(what)(v);

export interface SessionFlags extends ConnectionOptionFlags {
  dataDir?: string;
  worker?: boolean;
  taskQueue?: string;
  /** Models file for the in-process worker (endpoints and key variables per model name). */
  models?: string;
}

/** Opens a session (embedded server, simulated model and worker unless a cluster is named),
 * starts the workflow, and watches it until it ends. */
export async function inSession<T>(
  dir: string,
  flags: SessionFlags,
  /** What the command starts, for the line an interrupt prints. */
  work: { kind: 'campaign' | 'training'; id: string },
  start: (
    client: Client,
    taskQueue: string | undefined,
  ) => Promise<{ handle: WorkflowHandle; outcome: string }>,
  watch: (client: Client, handle: WorkflowHandle) => Promise<T>,
): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openSession } = require('../../runtime/session') as typeof import('../../runtime/session');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createLogger } = require('../../util/logger') as typeof import('../../util/logger');
  // Where this process runs the worker, the directory is checked here, before anything starts
  // (workers elsewhere check it in their first activity).
  if (workerRunsHere(flags))
    refuseOtherOwner(
      dir,
      { kind: work.kind, id: work.id },
      work.kind === 'training' ? 'another --id or --out' : 'another --id',
    );
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const interrupt = guardInterrupt(
    say,
    `the ${work.kind} stays in Temporal; rerun with --id ${work.id} to resume or attach`,
  );
  let session: Session | null = null;
  try {
    session = await interrupt.opening(
      openSession({
        runDir: dir,
        runsRoot: path.resolve('runs'),
        dataDir: resolveDataDir(flags.dataDir),
        connection: { address: flags.address, namespace: flags.namespace },
        logger: createLogger(process.env.JOSH_LOG_LEVEL ? {} : { level: 'warn' }),
        worker: flags.worker,
        taskQueue: flags.taskQueue,
        modelsFile: flags.models,
        say,
        signal: interrupt.signal,
        // watchTrain says what a training retries; a campaign's watch shows its phases only.
        retriesShown: work.kind === 'training',
      }),
    );
    const { handle, outcome } = await start(session.client, flags.taskQueue);
    say(`${outcome} ${handle.workflowId}${session.embeddedServer ? ' (embedded Temporal server)' : ''}`);
    if (session.uiUrl)
      say(`Web UI: ${session.uiUrl}/namespaces/${session.namespace}/workflows/${handle.workflowId}`);
    return await watch(session.client, handle);
  } catch (err) {
    return interrupt.failed(err);
  } finally {
    interrupt.dispose();
    await session?.close();
  }
}

/** Status changes and new job events, one line each, until the training ends; while the status
 * stands still, what its activities are retrying (an upload the endpoint keeps refusing was
 * retried without a word). */
export async function watchTrain(
  client: Client,
  handle: WorkflowHandle,
  stuckCheckMs = STUCK_CHECK_MS,
): Promise<TrainProgress> {
  let done = false;
  const result = waitForWorkflow<TrainProgress>(client, handle.workflowId).finally(() => (done = true));
  let status = '';
  let statusAt = Date.now();
  let checkedAt = 0;
  let retrying = '';
  const printed = new Set<string>();
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    const p = await getTrainProgress(client, handle.workflowId).catch(() => null);
    if (!p) continue;
    if (p.status !== status) {
      process.stderr.write(`  ${(status = p.status)}${p.jobId ? ` (job ${p.jobId})` : ''}\n`);
      statusAt = Date.now();
    } else if (Date.now() - statusAt >= stuckCheckMs && Date.now() - checkedAt >= stuckCheckMs) {
      checkedAt = Date.now();
      const found = await findRunProblem(client.workflow, handle.workflowId).catch(() => null);
      const line = found ? `retrying: ${formatRunProblem(found)}` : '';
      // Once per cause: the attempt number alone changing is not news.
      if (found && line.replace(/attempt \d+/, '') !== retrying.replace(/attempt \d+/, ''))
        process.stderr.write(`    ${line}\n`);
      retrying = line;
    }
    for (const e of p.events) {
      const key = `${e.at} ${e.message}`;
      if (printed.has(key)) continue;
      printed.add(key);
      process.stderr.write(`    ${e.level}: ${e.message}\n`);
    }
  }
  return result;
}

export function register(program: Command): void {
  addConnectionOptions(
    program
      .command('train')
      .description('fine-tune on a harvest: an OpenAI-compatible fine-tuning job, or a TRL script')
      .argument('<run-dir>', 'run directory of a harvest (runs/<id>)')
      .option('--backend <b>', 'openai (default) or trl')
      .option(
        '--format <f>',
        `export format (openai: openai-sft | openai-dpo; trl: trl-sft | trl-kto | trl-dpo)`,
      )
      .option('--base-model <m>', 'model to fine-tune (default sim-agent)')
      .option('--id <id>', 'training id (default train-<run id>); same id again attaches or resumes')
      .option('--include-partial', 'KTO/DPO: also conversations that did not reach reward 1')
      .option('--allow-unfinished', 'train on a run that is still running, paused or was cancelled')
      .option('--max-examples <n>', 'train on at most the first n examples', num('--max-examples'))
      .option('--epochs <n>', 'openai: n_epochs; trl: num_train_epochs', num('--epochs'))
      .option('--batch-size <n>', 'batch size', num('--batch-size'))
      .option('--lr-multiplier <x>', 'openai: learning_rate_multiplier (or auto)', hyper('--lr-multiplier'))
      .option(
        '--learning-rate <x>',
        'trl: learning rate (default SFT 2e-5, KTO/DPO 5e-7)',
        num('--learning-rate'),
      )
      .option('--beta <x>', 'DPO/KTO beta (trl default 0.1)', num('--beta'))
      .option('--desirable-weight <x>', 'trl KTO: weight of desirable examples', num('--desirable-weight'))
      .option(
        '--undesirable-weight <x>',
        'trl KTO: weight of undesirable examples',
        num('--undesirable-weight'),
      )
      .option('--no-lora', 'trl: train every weight instead of LoRA adapters')
      .option('--qlora', 'trl: LoRA on a 4-bit base model')
      .option('--suffix <s>', 'openai: suffix of the fine-tuned model name')
      .option('--seed <n>', 'training seed', num('--seed'))
      .option('--poll-seconds <s>', 'seconds between looks at the job (default 30)', num('--poll-seconds'))
      .option('--out <dir>', 'training directory (default runs/<id>)')
      .option('--data-dir <dir>', 'data directory')
      .option('--worker', 'also run a worker in this process when TEMPORAL_ADDRESS is set')
      .option('--models <file>', 'models file for the in-process worker (JOSH_MODELS_FILE)')
      .option('--task-queue <name>', 'task queue of the workers (default josh)'),
  ).action(async (runDir: string, f: Record<string, unknown> & SessionFlags) => {
    const backend = (f.backend as string | undefined) ?? 'openai';
    if (f.format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(f.format as string)) {
      throw new UserError(
        `--format: expected one of ${EXPORT_FORMATS.join(', ')}, got "${String(f.format)}"`,
      );
    }
    // The run is read where the workers run. When this process runs one (no remote server named,
    // or --worker: every worker of the queue must reach the run, docs/operations.md), a missing or
    // unreadable run is this user's mistake: say so before a workflow starts, with the checks
    // `josh export` makes. Workers elsewhere may see other files at that path: not checked here.
    const readHere = workerRunsHere(f);
    const abs = readHere ? resolveRunDir(runDir) : path.resolve(runDir);
    if (readHere) {
      // Checks the run as export does: a directory, its harvest.json, every conversation file.
      const written = loadExportRun(abs).length;
      // A fine-tuning job costs money and its model outlives the mistake: part of a run (an
      // interrupted CLI's, one still running) is refused unless asked for.
      const unfinished = unfinishedNote(readRunManifest(abs), written);
      if (unfinished && !f.allowUnfinished) {
        throw new UserError(`${unfinished}; train on it anyway with --allow-unfinished`);
      }
    }
    const id = (f.id as string | undefined) ?? `train-${path.basename(abs)}`;
    const hp: Record<string, number | 'auto'> = {};
    if (backend === 'openai') {
      if (f.epochs !== undefined) hp.n_epochs = f.epochs as number;
      if (f.batchSize !== undefined) hp.batch_size = f.batchSize as number;
      if (f.lrMultiplier !== undefined) hp.learning_rate_multiplier = f.lrMultiplier as number | 'auto';
      if (f.beta !== undefined) hp.beta = f.beta as number;
    }
    const trl: Record<string, unknown> = {};
    if (backend === 'trl') {
      const map: [string, string][] = [
        ['epochs', 'epochs'],
        ['batchSize', 'batchSize'],
        ['learningRate', 'learningRate'],
        ['beta', 'beta'],
        ['desirableWeight', 'desirableWeight'],
        ['undesirableWeight', 'undesirableWeight'],
      ];
      for (const [flag, key] of map) if (f[flag] !== undefined) trl[key] = f[flag];
      if (f.lora === false) trl.lora = false;
      if (f.qlora) trl.qlora = true;
    }
    const input: TrainConfigInput = {
      id,
      backend: backend as TrainConfigInput['backend'],
      runDir: abs,
      ...(f.format ? { format: f.format as TrainConfigInput['format'] } : {}),
      ...(f.includePartial ? { includePartial: true } : {}),
      ...(f.maxExamples !== undefined ? { maxExamples: f.maxExamples as number } : {}),
      ...(f.baseModel !== undefined ? { baseModel: f.baseModel as string } : {}),
      ...(f.suffix !== undefined ? { suffix: f.suffix as string } : {}),
      ...(f.seed !== undefined ? { seed: f.seed as number } : {}),
      ...(f.pollSeconds !== undefined ? { pollSeconds: f.pollSeconds as number } : {}),
      ...(f.out ? { outDir: path.resolve(f.out as string) } : {}),
      hyperparameters: hp,
      trl,
    };
    const config = parseTrainConfig(input); // refused before a server starts
    const dir = config.outDir ?? path.resolve('runs', config.id);
    const p = await inSession(
      dir,
      f,
      { kind: 'training', id: config.id },
      (client, taskQueue) => startTrain(client, config, taskQueue),
      watchTrain,
    );
    process.stdout.write(`\n${formatTrain(p)}\n`);
    if (p.status === 'cancelled') process.exitCode = 1;
  });
}

export function formatTrain(p: TrainProgress): string {
  const lines: [string, string | null][] = [
    ['training', `${p.id} (${p.backend}, ${p.format})`],
    ['status', p.status],
    ['examples', `${p.examples} from ${p.trainingFile}`],
    ['job', p.jobId],
    ['trained tokens', p.trainedTokens === null ? null : String(p.trainedTokens)],
    [
      'metrics',
      p.metrics
        ? Object.entries(p.metrics)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : null,
    ],
    ['model', p.fineTunedModel],
    ['script', p.script?.path ?? null],
    ['run it with', p.status === 'script-written' ? (p.script?.command ?? null) : null],
    ['error', p.error],
  ];
  return lines
    .filter((l): l is [string, string] => l[1] !== null && l[1] !== '')
    .map(([k, v]) => `  ${k.padEnd(15)} ${v}`)
    .join('\n');
}
