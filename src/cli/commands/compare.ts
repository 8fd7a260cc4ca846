// `josh compare RUN_A RUN_B`: paired comparison of two runs on their shared (task, trial) keys —
// success and reward deltas (B − A) with a paired bootstrap interval and p-value.
import type { Command } from 'commander';
import { compareRuns, formatComparison, resolveRunDir, runSideOf } from '../../eval';
import type { RunSide } from '../../eval/compare';
import { UserError } from '../../util/errors';

function side(label: string, arg: string): RunSide {
  return runSideOf(label, resolveRunDir(arg));
}

export function register(program: Command): void {
  program
    .command('compare')
    .description('paired comparison of two runs (B − A) with bootstrap CIs and p-values')
    .argument('<run-a>', 'run directory (or run id under ./runs) of A, the reference')
    .argument('<run-b>', 'run directory (or run id under ./runs) of B')
    .option('--json', 'print the comparison as JSON')
    .option('--resamples <n>', 'bootstrap resamples (default 5000)')
    .action((a: string, b: string, flags: { json?: boolean; resamples?: string }) => {
      let resamples: number | undefined;
      if (flags.resamples !== undefined) {
        resamples = Number(flags.resamples);
        if (!/^\d+$/.test(flags.resamples) || resamples < 100 || resamples > 100_000) {
          throw new UserError(`--resamples: expected a whole number 100..100000, got "${flags.resamples}"`);
        }
      }
      const result = compareRuns(side('RUN_A', a), side('RUN_B', b), { resamples });
      process.stdout.write(
        flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatComparison(result)}\n`,
      );
    });
}
