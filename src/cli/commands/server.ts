// `josh server`: a local Temporal dev server with the Web UI, SQLite persistence under .josh/,
// and the product's search attributes, for development and the demo. Ctrl-C stops it cleanly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { startDevServer } from '../../temporal/devServer';
import { freePort, isListening, listenError } from '../../temporal/ports';
import { provisionTemporalCli } from '../../temporal/provision';
import { checkOutFile, fileInTheWay } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const port = z.coerce.number().int().min(0, 'must be 0 (pick a free one) to 65535').max(65535);
const ServerFlags = z.object({
  ip: z.string().min(1),
  port,
  uiPort: port,
  headless: z.boolean().default(false),
  dbFile: z.string().min(1),
  logFile: z.string().min(1),
});

export function register(program: Command): void {
  program
    .command('server')
    .description('Start a local Temporal dev server (Web UI, SQLite persistence, josh search attributes)')
    .option('--ip <ip>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'gRPC port (0 picks a free one)', '7233')
    .option('--ui-port <port>', 'Web UI port (0 picks a free one)', '8233')
    .option('--headless', 'no Web UI')
    .option('--db-file <path>', 'SQLite file that keeps workflows across restarts', '.josh/temporal.db')
    .option('--log-file <path>', "where the server's own log goes", '.josh/temporal-server.log')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = ServerFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh server', parsed.error));
      await serve(parsed.data);
    });
}

/** A --db-file / --log-file must name a file: the Temporal server reports a directory as "unable
 * to open database file: out of memory", and a file where a directory should be as a stack. A
 * missing parent directory is fine (it is made). */
function checkFilePath(flag: string, file: string, expected: string): void {
  const abs = path.resolve(file);
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory())
    throw new UserError(`${flag} ${file} is a directory; expected ${expected}`);
  const blocker = fileInTheWay(abs);
  if (blocker)
    throw new UserError(`${flag} ${file}: ${blocker} is a file, not a directory; expected ${expected}`);
}

async function serve(f: z.output<typeof ServerFlags>): Promise<void> {
  checkFilePath('--db-file', f.dbFile, 'a SQLite file path');
  checkFilePath('--log-file', f.logFile, 'a log file path');
  checkOutFile('--log-file', f.logFile); // never a run's own file: the log is appended to
  // An address this machine cannot bind would otherwise surface as a stack from the port probe or
  // as the Temporal server's own exit: try it first and say so in one line.
  await freePort(f.ip).catch((err: unknown) => {
    throw listenError('--ip', f.ip, err);
  });
  if (!f.headless && f.port !== 0 && f.port === f.uiPort)
    throw new UserError(
      `--port ${f.port} and --ui-port ${f.uiPort}: the gRPC frontend and the Web UI need a port each`,
    );
  for (const [flag, p] of [
    ['--port', f.port],
    ['--ui-port', f.headless ? 0 : f.uiPort],
  ] as const) {
    if (p !== 0 && (await isListening(f.ip, p))) {
      throw new UserError(`${flag} ${p}: something already listens on ${f.ip}:${p} (another josh server?)`);
    }
  }
  const cli = await provisionTemporalCli();
  const server = await startDevServer({
    cliPath: cli.path,
    ip: f.ip,
    port: f.port,
    uiPort: f.headless ? false : f.uiPort,
    dbFile: f.dbFile,
    logFile: f.logFile,
  });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`Temporal dev server ready (${cli.version})`);
  out(`  gRPC:      ${server.address}  namespace ${server.namespace}`);
  if (server.uiUrl) out(`  Web UI:    ${server.uiUrl}`);
  out(`  database:  ${f.dbFile}`);
  out(`  log:       ${f.logFile}`);
  out('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n${signal}: stopping the server...`);
    void server.stop().then(() => out('stopped.'));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const code = await server.exited;
  if (!stopping)
    throw new UserError(`the Temporal server exited unexpectedly (${code}); see ${f.logFile}`, 1);
}
