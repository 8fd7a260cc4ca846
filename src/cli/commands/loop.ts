// `josh loop`: the self-training campaign (the loop workflow). Round 0 evaluates the agent model;
// each round harvests with the current model, fine-tunes on that harvest, evaluates the new model
// and compares it with the previous round; it goes on while it improves and rounds remain. Same
// --id again attaches, or restarts a stopped campaign where it was. The report is runs/<id>/report.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { UserError } from '../../util/errors';
import { getLoopProgress, parseLoopConfig, startLoop, waitForWorkflow } from '../../client/training';
import { FINAL_LOOP_MEMO, type LoopProgress } from '../../train/loopApi';
import { LoopConfig, type LoopConfigInput } from '../../train/config';
import { evalInput, harvestInput } from '../../train/loopPlan';
import { RunConfig, type RunConfigInput } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { UnknownTaskError } from '../../env/types';
import { boundsOf, idListArg, numberArg, wholeNumberArg } from '../argParsers';
import { addConnectionOptions } from '../connectionOptions';
import { defaultRunId } from '../runOptions';
import { inSession, type SessionFlags } from './train';

/** A whole-number flag for a campaign-config field: the message names the flag and its range. */
const int = (flag: string, field: keyof typeof LoopConfig.shape) =>
  wholeNumberArg(flag, boundsOf(LoopConfig.shape[field]));
const num = numberArg;

async function watchLoop(client: Client, handle: WorkflowHandle): Promise<LoopProgress> {
  let done = false;
  const result = waitForWorkflow<LoopProgress>(client, handle.workflowId, FINAL_LOOP_MEMO).finally(
    () => (done = true),
  );
  let phase = '';
  while (!done) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    const p = await getLoopProgress(client, handle.workflowId).catch(() => null);
    if (p && p.phase !== phase) process.stderr.write(`  ${(phase = p.phase)}\n`);
  }
  return result;
}

/** The campaign's harvests and evals select their tasks as `josh harvest` and `josh eval` do,
 * checked here against the local data: a bad split or task id would otherwise fail only once the
 * campaign runs (the train side after a whole round-0 eval). */
function checkLoopTasks(config: LoopConfig, dataDirFlag: string | undefined): void {
  // Loaded on use, as harvest does: it pulls in the run machinery.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { selectedTasks } = require('../runFlow') as typeof import('../runFlow');
  const dataDir = resolveDataDir(dataDirFlag);
  const sides: [string, RunConfigInput, string[] | undefined][] = [
    ['test', evalInput(config, 0, config.agentModel), config.testTaskIds],
    ['train', harvestInput(config, 1, config.agentModel), config.trainTaskIds],
  ];
  for (const [side, input, taskIds] of sides) {
    const run = RunConfig.parse(input); // parseLoopConfig checked it
    try {
      selectedTasks(run, dataDir);
    } catch (err) {
      if (!(err instanceof UserError || err instanceof UnknownTaskError)) throw err;
      const flag = taskIds ? `--${side}-tasks` : `--${side}-split ${run.split}`;
      throw new UserError(`${flag}: ${err.message}`, err instanceof UserError ? err.exitCode : 2);
    }
  }
}

export function register(program: Command): void {
  addConnectionOptions(
    program
      .command('loop')
      .description('self-training campaign: rounds of harvest → fine-tune → eval → paired comparison')
      .option('--id <id>', 'campaign id (same id again attaches or resumes)')
      .option('--env <name>', 'environment (default toolwoz)')
      .option('--train-split <s>', 'split harvested each round (default val)')
      .option('--test-split <s>', 'split every model is evaluated on (default test)')
      .option('--train-limit <n>', 'tasks harvested per round', int('--train-limit', 'trainLimit'))
      .option('--test-limit <n>', 'tasks evaluated', int('--test-limit', 'testLimit'))
      .option('--train-tasks <ids>', 'comma-separated task ids to harvest', idListArg('--train-tasks'))
      .option('--test-tasks <ids>', 'comma-separated task ids to evaluate', idListArg('--test-tasks'))
      .option('--rounds <n>', 'at most this many rounds (default 3)', int('--rounds', 'rounds'))
      .option(
        '--min-improvement <x>',
        'go on only while eval success rises by more than this (default 0)',
        num('--min-improvement'),
      )
      .option('--agent-model <m>', 'the first round’s agent model (default sim-agent)')
      .option('--user-model <m>', 'user-simulator model')
      .option('--user-sim <kind>', 'goal | guide | script')
      .option('--beam <n>', 'beam size of the harvests', int('--beam', 'beamSize'))
      .option('--branching <n>', 'children per expanded leaf', int('--branching', 'branching'))
      .option('--max-steps <n>', 'search steps per conversation', int('--max-steps', 'maxSteps'))
      .option('--concurrency <n>', 'conversations at once', int('--concurrency', 'concurrency'))
      .option('--seed <s>', 'seed root (default the campaign id)')
      .option('--baseline-data', 'train on baseline rollouts (beam 1) instead of JOSH harvests')
      .option('--format <f>', 'openai-sft (default) or openai-dpo')
      .option('--include-partial', 'DPO: also conversations that did not reach reward 1')
      .option(
        '--max-examples <n>',
        'train on at most this many examples per round',
        int('--max-examples', 'maxExamples'),
      )
      .option('--epochs <n>', 'n_epochs of each fine-tuning job', num('--epochs'))
      .option(
        '--poll-seconds <s>',
        'seconds between looks at a fine-tuning job (default 30)',
        num('--poll-seconds'),
      )
      .option('--prices <file>', 'JSON prices per 1M tokens by model, for the cost column')
      .option('--data-dir <dir>', 'data directory')
      .option('--worker', 'also run a worker in this process when TEMPORAL_ADDRESS is set')
      .option('--models <file>', 'models file for the in-process worker (JOSH_MODELS_FILE)')
      .option('--task-queue <name>', 'task queue of the workers (default josh)'),
  ).action(async (f: Record<string, unknown> & SessionFlags) => {
    const pick = <K extends string>(keys: [flag: string, field: K][]) =>
      Object.fromEntries(
        keys.filter(([flag]) => f[flag] !== undefined).map(([flag, field]) => [field, f[flag]]),
      );
    let prices: unknown;
    if (f.prices) {
      try {
        prices = JSON.parse(fs.readFileSync(f.prices as string, 'utf8'));
      } catch (err) {
        throw new UserError(`--prices ${String(f.prices)}: ${(err as Error).message}`);
      }
    }
    const input = {
      id: (f.id as string | undefined) ?? defaultRunId('loop'),
      ...pick([
        ['env', 'env'],
        ['trainSplit', 'trainSplit'],
        ['testSplit', 'testSplit'],
        ['trainLimit', 'trainLimit'],
        ['testLimit', 'testLimit'],
        ['trainTasks', 'trainTaskIds'],
        ['testTasks', 'testTaskIds'],
        ['rounds', 'rounds'],
        ['minImprovement', 'minImprovement'],
        ['agentModel', 'agentModel'],
        ['userModel', 'userModel'],
        ['userSim', 'userSim'],
        ['beam', 'beamSize'],
        ['branching', 'branching'],
        ['maxSteps', 'maxSteps'],
        ['concurrency', 'concurrency'],
        ['seed', 'seed'],
        ['format', 'format'],
        ['maxExamples', 'maxExamples'],
        ['pollSeconds', 'pollSeconds'],
      ]),
      ...(f.baselineData ? { harvestMode: 'baseline' } : {}),
      ...(f.includePartial ? { includePartial: true } : {}),
      ...(f.epochs !== undefined ? { hyperparameters: { n_epochs: f.epochs } } : {}),
      ...(prices ? { prices } : {}),
    } as LoopConfigInput;
    const config = parseLoopConfig(input); // refused before a server starts
    checkLoopTasks(config, f.dataDir);
    const p = await inSession(
      path.resolve('runs', config.id),
      f,
      { kind: 'campaign', id: config.id },
      (client, taskQueue) => startLoop(client, config, taskQueue),
      watchLoop,
    );
    const report = p.reportFile && fs.existsSync(p.reportFile) ? fs.readFileSync(p.reportFile, 'utf8') : '';
    process.stdout.write(`\n${report}\n  report: ${p.reportFile ?? '(none)'}\n`);
    if (p.status !== 'done') process.exitCode = 1;
  });
}
