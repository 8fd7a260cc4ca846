// `josh export RUN_DIR --format F`: a run's harvested conversations → training-data JSONL
// (docs/exports.md). Flags are checked here; everything else is src/export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { getEnvironment } from '../../env';
import {
  EXPORT_FORMATS,
  defaultExportPath,
  exportRun,
  formatExportSummary,
  type ExportSummary,
} from '../../export';
import { checkOutFile, writeErrorOf } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const ExportFlags = z.object({
  format: z.enum(EXPORT_FORMATS, { error: `expected one of ${EXPORT_FORMATS.join(', ')}` }),
  out: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  system: z.boolean().default(true),
  includePartial: z.boolean().default(false),
});

export function register(program: Command): void {
  program
    .command('export')
    .description('Write a run as training data: SFT, KTO or DPO JSONL (see docs/exports.md)')
    .argument('<run-dir>', 'run directory (or run id under ./runs): holds harvest.json and conversations/')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(' | '))
    .option('--out <file>', 'output file (default RUN_DIR/exports/<format>.jsonl)')
    .option('--data-dir <dir>', 'data directory, for the tool schemas and system prompt')
    .option('--no-system', "leave out the agent's system prompt")
    .option('--include-partial', 'KTO/DPO: also use conversations that did not reach reward 1')
    .action((arg: string, raw: Record<string, unknown>) => {
      // A bare run id names runs/<id> when no directory of that name is here, as for report,
      // compare and train.
      const underRuns = path.join('runs', arg);
      const bare = !arg.includes(path.sep) && !fs.existsSync(arg) && fs.existsSync(underRuns);
      const runDir = bare ? underRuns : arg;
      const parsed = ExportFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('export', parsed.error));
      const f = parsed.data;
      // Before any work: an export never writes over a run's own files, nor into a directory.
      if (f.out !== undefined) checkOutFile('--out', f.out, runDir);
      const out = f.out ?? defaultExportPath(runDir, f.format);
      let summary: ExportSummary;
      try {
        summary = exportRun(runDir, f.format, {
          // Resolved only once the run has loaded, so a bad run directory is reported first.
          environment: (name) => getEnvironment(name, resolveDataDir(f.dataDir)),
          out,
          system: f.system,
          includePartial: f.includePartial,
        });
      } catch (err) {
        // A write that failed (disk full, read-only, ...): one line naming the file.
        throw writeErrorOf(err, out);
      }
      process.stdout.write(`${formatExportSummary(summary)}\n`);
    });
}
