// `josh demo` (npm run demo): the README's main job. Offline, one command: an embedded Temporal
// server with its Web UI, the simulated model, an in-process worker, a JOSH harvest of 10 tasks
// (ToolWOZ `val` by default; `--env tau-retail` runs τ-bench retail, whose customer and agent the
// simulated model also plays), every export format, and a summary.
import * as path from 'node:path';
import type { Command } from 'commander';
import { addRunOptions, runConfigFromFlags, defaultRunId, type RunFlags } from '../runOptions';
import { shellQuote } from '../shellQuote';
import type { ExportSummary } from '../../export';

export function register(program: Command): void {
  addRunOptions(
    program
      .command('demo')
      .description(
        'offline demo: harvest 10 tasks (ToolWOZ val; --env tau-retail for τ-bench retail) and export training data',
      ),
  ).action(async (flags: RunFlags) => {
    const config = runConfigFromFlags(flags, 'harvest', {
      id: defaultRunId('demo'),
      split: 'val',
      limit: 10,
    });
    // Loaded on use, like `harvest`: they pull in the Temporal worker and the datasets.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { executeRun, printSummary } = require('../runFlow') as typeof import('../runFlow');
    const { EXPORT_FORMATS, exportRun, formatTrainingData } =
      require('../../export') as typeof import('../../export');
    const { getEnvironment } = require('../../env') as typeof import('../../env');
    const { resolveDataDir } = require('../../env/dataDir') as typeof import('../../env/dataDir');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const outcome = await executeRun(config, flags);
    const dataDir = resolveDataDir(flags.dataDir);
    const exports: ExportSummary[] = EXPORT_FORMATS.map((format) =>
      exportRun(outcome.runDir, format, { environment: (name) => getEnvironment(name, dataDir) }),
    );
    printSummary(outcome, 'Demo harvest finished', {
      // The embedded server stopped with the demo; its history is in the run directory.
      'browse it again': outcome.uiUrl
        ? `npx josh server --db-file ${shellQuote(path.join(outcome.runDir, '.temporal', 'temporal.db'))}  (Web UI on :8233)`
        : null,
    });
    process.stdout.write(`\n${formatTrainingData(exports)}\n`);
  });
}
