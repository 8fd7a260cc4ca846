// `josh report RUN_DIR [--out FILE]`: one self-contained HTML file (no network needed to view it)
// with the run's summary and an interactive view of every conversation's search tree.
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { getEnvironment } from '../../env';
import { resolveDataDir } from '../../env/dataDir';
import type { Environment } from '../../env/types';
import { resolveRunDir } from '../../eval/load';
import { parsePricesFlag } from '../../eval/cost';
import { DEFAULT_UI_URL, writeReport } from '../../report';
import { checkOutFile } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const ReportFlags = z.object({
  out: z.string().min(1).optional(),
  uiUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. http://localhost:8233' }),
  namespace: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected a namespace name'),
  dataDir: z.string().min(1).optional(),
  prices: z.string().optional(),
});

/** Without a data directory the report still works, only without domains and goal names. */
function environmentOrNull(name: string, dataDir: string | undefined): Environment | null {
  if (dataDir !== undefined) return getEnvironment(name, resolveDataDir(dataDir));
  try {
    return getEnvironment(name, resolveDataDir());
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`josh report: ${err.message}; domains and goal names are left out\n`);
    return null;
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report of a run: summary and interactive search trees')
    .argument('<run-dir>', 'run directory (or run id under ./runs)')
    .option('--out <file>', 'output file (default RUN_DIR/report.html)')
    .option('--ui-url <url>', 'Temporal Web UI base URL for workflow links', DEFAULT_UI_URL)
    .option('--namespace <ns>', 'Temporal namespace for workflow links', 'default')
    .option('--data-dir <dir>', 'data directory, for task domains and goal names')
    .option('--prices <json|file>', 'USD per 1M tokens per model, for the cost estimate')
    .action((runArg: string, raw: Record<string, unknown>) => {
      const parsed = ReportFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('report', parsed.error));
      const f = parsed.data;
      const prices = f.prices !== undefined ? parsePricesFlag(f.prices) : undefined;
      const runDir = resolveRunDir(runArg);
      // Before any work: a report never writes over a run's own files, nor into a directory.
      if (f.out !== undefined) checkOutFile('--out', f.out, runDir);
      const started = Date.now();
      const summary = writeReport(runDir, {
        out: f.out,
        uiUrl: f.uiUrl,
        namespace: f.namespace,
        environment: (name) => environmentOrNull(name, f.dataDir),
        // A data directory given by --data-dir must read, as for josh tasks and josh score; the
        // default one only adds domains and goal names, so the report goes on without them.
        onDataError: (err) => {
          if (f.dataDir !== undefined) throw err;
          process.stderr.write(`josh report: ${err.message}; domains and goal names are left out\n`);
        },
        prices,
      });
      if (summary.unfinished) process.stderr.write(`warning: ${summary.unfinished}\n`);
      const kib = (summary.bytes / 1024).toFixed(0);
      process.stdout.write(
        `report: ${summary.file} (${summary.conversations} conversations, ${kib} KiB, ${Date.now() - started} ms)\n`,
      );
    });
}
