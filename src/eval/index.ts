// Evaluation of a finished run directory: load, summarise (src/eval/metrics.ts), write eval.json
// atomically. `josh eval` calls it after its run; tests call it on any run directory.
import * as path from 'node:path';
import type { Environment } from '../env/types';
import { UnknownTaskError } from '../env/types';
import { writeFileAtomic } from '../util/atomicWrite';
import type { Prices } from './cost';
import { loadRunOutcomes } from './load';
import { summarizeEval, type EvalSummary, type TaskLookup } from './metrics';
import type { BootstrapOptions } from './stats';

export { compareRuns } from './compare';
export { formatComparison, formatEval } from './format';
export { loadRunOutcomes, resolveRunDir, runSideOf } from './load';
export type { EvalSummary } from './metrics';

export const EVAL_FILE = 'eval.json';

/** What the environment knows of each task (domains, solvable); unknown ids give null. */
export function taskLookup(env: Environment): TaskLookup {
  return (taskId) => {
    try {
      const t = env.getTask(taskId);
      return { domains: t.domains, solvable: t.solvable };
    } catch (err) {
      if (err instanceof UnknownTaskError) return null;
      throw err;
    }
  };
}

export function evaluateRun(
  runDir: string,
  opts: {
    environment: (name: string) => Environment;
    prices?: Prices;
    bootstrap?: BootstrapOptions;
    write?: boolean;
  },
): { summary: EvalSummary; file: string | null } {
  const run = loadRunOutcomes(runDir);
  const c = run.manifest.config;
  const summary = summarizeEval(
    {
      runId: c.id,
      mode: c.mode,
      env: c.env,
      split: c.split,
      agentModel: c.agentModel,
      userModel: c.userModel,
      userSim: c.userSim,
      agentTemperature: c.agentTemperature,
      trials: c.trials,
      expected: run.manifest.summary?.total ?? null,
      prices: opts.prices ?? c.prices,
    },
    run.conversations,
    taskLookup(opts.environment(c.env)),
    opts.bootstrap,
  );
  if (opts.write === false) return { summary, file: null };
  const file = path.join(runDir, EVAL_FILE);
  writeFileAtomic(file, JSON.stringify(summary, null, 2) + '\n');
  return { summary, file };
}
