// `josh data fetch`: download the public data of every environment that has a fetcher in the
// registry (ToolWOZ: MultiWOZ 2.1 and the ToolWOZ files, docs/toolwoz.md) into a data directory.
// Unlike other commands, the directory may not exist yet: it is created.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { environmentNodes } from '../../env';
import { notADirectory } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';
import { mkdirs } from '../../util/mkdirs';
import { numberArg } from '../argParsers';

/** A file where the data directory (or one of its parents) would go: mkdir's EEXIST or ENOTDIR
 * said in one line naming what chose the directory (`shown`), as the other commands do. */
function refuseFileInTheWay(dataDir: string, shown: string): void {
  const blocker = notADirectory(dataDir);
  if (blocker) throw new UserError(`${shown}: ${blocker} is a file, not a directory`);
}

const FETCHABLE = environmentNodes().filter((n) => n.fetch !== undefined);

const FetchFlags = z.object({
  env: z.string().optional(),
  dataDir: z.string().min(1).optional(),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  verifyArchive: z.boolean().default(true),
  timeout: z
    .number()
    .positive('--timeout must be a positive number of seconds')
    .max(3600, '--timeout must be at most 3600 seconds'),
});

export function register(program: Command): void {
  const data = program.command('data').description('manage the data directory');
  data
    .command('fetch')
    .description('download MultiWOZ 2.1 and the ToolWOZ tools/DBs, verify checksums, unpack')
    .addOption(
      new Option(
        '--env <name>',
        'only this environment (default: every one with public data to fetch)',
      ).choices(FETCHABLE.map((n) => n.name)),
    )
    .option('--data-dir <dir>', 'where to put the data (default: JOSH_DATA_DIR or ./data)')
    .option('--base-url <url>', 'download from this mirror instead of the public URLs')
    .option(
      '--timeout <seconds>',
      'give up on a download when the server sends nothing for this long (no answer, or a stalled body)',
      numberArg('--timeout'),
      30,
    )
    .option(
      '--no-verify-archive',
      'skip the checksums of the MultiWOZ archive and its data.json (published values)',
    )
    .action(async (raw: Record<string, unknown>) => {
      const parsed = FetchFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh data fetch', parsed.error));
      const f = parsed.data;
      const given = f.dataDir ?? process.env.JOSH_DATA_DIR;
      const dataDir = path.resolve(given ?? 'data');
      refuseFileInTheWay(
        dataDir,
        f.dataDir !== undefined
          ? `--data-dir ${f.dataDir}`
          : given !== undefined
            ? 'JOSH_DATA_DIR'
            : 'data directory',
      );
      const made = mkdirs(dataDir);
      const report = { downloaded: 0, kept: 0 };
      try {
        for (const node of FETCHABLE.filter((n) => f.env === undefined || n.name === f.env)) {
          const r = await node.fetch!(dataDir, {
            baseUrl: f.baseUrl,
            verifyPublished: f.verifyArchive,
            timeoutMs: f.timeout * 1000,
            log: (line) => process.stderr.write(`${line}\n`),
          });
          report.downloaded += r.downloaded.length;
          report.kept += r.kept.length;
        }
      } catch (e) {
        // A failed fetch leaves nothing that was not there: the directories made here go if empty.
        for (let d = dataDir; made !== undefined; d = path.dirname(d)) {
          try {
            fs.rmdirSync(d);
          } catch {
            break; // not empty: it and its parents stay
          }
          if (d === made) break;
        }
        throw e;
      }
      process.stdout.write(
        `data in ${dataDir}: ${report.downloaded} files downloaded, ${report.kept} already present\n`,
      );
    });
}
