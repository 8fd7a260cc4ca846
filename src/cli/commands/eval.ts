// `josh eval`: one rollout per task and trial (beam 1) on a held-out split, scored with the
// whole-conversation metric (spec 4.6), then eval.json and a table with bootstrap intervals.
// Same --id again attaches to a running evaluation or resumes a stopped one.
import type { Command } from 'commander';
import { addRunOptions, runConfigFromFlags, type RunFlags } from '../runOptions';
import { shellQuote } from '../shellQuote';
import { getEnvironment } from '../../env';
import { resolveDataDir } from '../../env/dataDir';
import { evaluateRun, formatEval } from '../../eval';
import { UserError } from '../../util/errors';

const positiveInt =
  (what: string, max: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max)
      throw new UserError(`${what}: expected a whole number 1..${max}, got "${v}"`);
    return n;
  };

interface EvalFlags extends RunFlags {
  resamples?: number;
}

export function register(program: Command): void {
  addRunOptions(
    program
      .command('eval')
      .description(
        'evaluate an agent: one rollout per task and trial on a split (default test), with 95% CIs',
      )
      .option('--trials <k>', 'rollouts per task, for pass^k (default 1)', positiveInt('--trials', 32))
      .option('--resamples <n>', 'bootstrap resamples (default 5000)', positiveInt('--resamples', 100_000)),
  ).action(async (flags: EvalFlags) => {
    // Evaluation keeps every task of the split (unsolvable ones too) and reports the solvable
    // subset separately, so its numbers compare with published ToolWOZ results.
    const config = runConfigFromFlags(flags, 'eval', {
      split: 'test',
      includeUnsolvable: true,
    });
    const dataDir = resolveDataDir(flags.dataDir);
    // Loaded on use, like harvest's: the run machinery pulls in the Temporal worker.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { executeRun } = require('../runFlow') as typeof import('../runFlow');
    const outcome = await executeRun(config, flags);
    const { summary, file } = evaluateRun(outcome.runDir, {
      environment: (name) => getEnvironment(name, dataDir),
      // Prices (--prices, shared with harvest) live in the run config, so a resumed run keeps them.
      bootstrap: flags.resamples ? { resamples: flags.resamples } : {},
    });
    const p = outcome.progress;
    const notes = [
      p.failed ? `${p.failed} conversation workflows failed and are not counted` : null,
      p.status !== 'done' ? `run status ${p.status}: rerun with --id ${config.id} to finish it` : null,
      outcome.webUi && !outcome.embeddedServer ? `Web UI: ${outcome.webUi}` : null,
      `written: ${file}`,
      `report: npx josh report ${shellQuote(outcome.runDir)}`,
    ].filter((n): n is string => n !== null);
    process.stdout.write(`\n${formatEval(summary)}\n\n${notes.map((n) => `  ${n}`).join('\n')}\n`);
  });
}
