// `josh harvest`: run the JOSH search over a split and watch it; `--baseline` runs one rollout
// per task (beam 1) with the same settings, for comparison.
import type { Command } from 'commander';
import { addRunOptions, runConfigFromFlags, type RunFlags } from '../runOptions';
import { shellQuote } from '../shellQuote';
import { estimateCost, formatCost } from '../../shared/cost';

export function register(program: Command): void {
  addRunOptions(
    program
      .command('harvest')
      .description('run a JOSH harvest (starts, or attaches to a run with the same --id)')
      .option('--baseline', 'one rollout per task (beam 1), for comparison'),
  ).action(async (flags: RunFlags & { baseline?: boolean }) => {
    const config = runConfigFromFlags(flags, flags.baseline ? 'baseline' : 'harvest', { split: 'val' });
    // Loaded on use: the run machinery pulls in the Temporal worker, which `josh --help` need not.
    // require, not import(): the CLI runs CommonJS through tsx's require hook (bin/josh.js).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { executeRun, printSummary } = require('../runFlow') as typeof import('../runFlow');
    const outcome = await executeRun(config, flags);
    const cost = estimateCost(outcome.progress.usage, config, config.prices);
    printSummary(outcome, flags.baseline ? 'Baseline finished' : 'Harvest finished', {
      'estimated cost': cost && formatCost(cost),
      'export with': `npx josh export ${shellQuote(outcome.runDir)} --format openai-sft`,
    });
  });
}
