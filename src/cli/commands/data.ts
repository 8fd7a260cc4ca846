// `josh data fetch`: download the public MultiWOZ 2.1 and ToolWOZ files into a data directory
// (docs/toolwoz.md). Unlike other commands, the directory may not exist yet: it is created.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { fetchData } from '../../env/toolwoz/fetch';
import { UserError } from '../../util/errors';

const FetchFlags = z.object({
  dataDir: z.string().min(1).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  verifyArchive: z.boolean().default(true),
});

export function register(program: Command): void {
  const data = program.command('data').description('manage the data directory');
  data
    .command('fetch')
    .description('download MultiWOZ 2.1 and the ToolWOZ tools/DBs, verify checksums, unpack')
    .option('--data-dir <dir>', 'where to put the data (default: JOSH_DATA_DIR or ./data)')
    .option('--base-url <url>', 'download from this mirror instead of the public URLs')
    .option(
      '--no-verify-archive',
      'skip the checksums of the MultiWOZ archive and its data.json (published values)',
    )
    .action(async (raw: Record<string, unknown>) => {
      const parsed = FetchFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh data fetch', parsed.error));
      const f = parsed.data;
      const dataDir = path.resolve(f.dataDir ?? process.env.JOSH_DATA_DIR ?? 'data');
      fs.mkdirSync(dataDir, { recursive: true });
      const report = await fetchData(dataDir, {
        baseUrl: f.baseUrl,
        verifyPublished: f.verifyArchive,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(
        `data in ${dataDir}: ${report.downloaded.length} files downloaded, ${report.kept.length} already present\n`,
      );
    });
}
