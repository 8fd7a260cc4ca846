// `josh cluster`: the PostgreSQL-backed Temporal server of docker-compose.yml, on this machine and
// without Docker (src/cluster/): `provision` builds the server once, `up` starts PostgreSQL and
// the server and registers the namespace and search attributes, `down` stops what `up --detach`
// left running, `status` says what runs.
import * as path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { readClusterState, startCluster, stopClusterDir } from '../../cluster';
import { processAlive } from '../../util/process';
import { postgresRunning } from '../../cluster/postgres';
import { formatZodError } from '../../config/run';
import { isListening } from '../../temporal/ports';
import { provisionTemporalServer } from '../../temporal/provisionServer';
import { shellQuote } from '../shellQuote';
import { notADirectory } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';

const DEFAULT_DIR = '.josh/cluster';
const out = (s: string) => process.stdout.write(`${s}\n`);

const UpFlags = z.object({
  dir: z.string().min(1),
  port: z.coerce.number().int().min(0, 'must be 0 (pick a free one) to 65535').max(65535),
  namespace: z.string().min(1),
  detach: z.boolean().default(false),
  durable: z.boolean().default(false),
});

export function register(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('A PostgreSQL-backed Temporal server on this machine (what docker-compose.yml runs)');

  cluster
    .command('provision')
    .description(`Build the Temporal server and its SQL tool with Go, once (cached per user)`)
    .action(async () => {
      const t0 = Date.now();
      const p = await provisionTemporalServer();
      out(`temporal server (${p.source}, ${((Date.now() - t0) / 1000).toFixed(1)} s): ${p.version}`);
      out(`  server:   ${p.server}`);
      out(`  sql tool: ${p.sqlTool}`);
      out(`  schema:   ${p.schemaDir}`);
    });

  cluster
    .command('up')
    .description(
      'Start PostgreSQL and the Temporal server, create the schemas, namespace and search attributes',
    )
    .option('--dir <dir>', 'state directory (database, logs); reused if it exists', DEFAULT_DIR)
    .option('--port <port>', 'gRPC port of the frontend (0 picks a free one)', '7233')
    .option('--namespace <name>', 'namespace to register', 'default')
    .option('--detach', 'leave it running and return (stop it with `josh cluster down`)')
    .option(
      '--durable',
      "keep PostgreSQL's fsync (default off: a killed process loses nothing, an OS crash may)",
    )
    .action(async (raw: Record<string, unknown>) => {
      const parsed = UpFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh cluster up', parsed.error));
      await up(parsed.data);
    });

  cluster
    .command('down')
    .description('Stop the server and PostgreSQL that `josh cluster up --detach` started')
    .option('--dir <dir>', 'state directory', DEFAULT_DIR)
    .action(async (o: { dir: string }) => {
      for (const line of await stopClusterDir(o.dir)) out(line);
    });

  cluster
    .command('status')
    .description('Say whether the cluster of a state directory runs')
    .option('--dir <dir>', 'state directory', DEFAULT_DIR)
    .action((o: { dir: string }) => {
      const s = readClusterState(o.dir);
      if (!s) throw new UserError(`no cluster in ${o.dir} (start one with \`josh cluster up\`)`);
      const server = s.serverPid !== null && processAlive(s.serverPid);
      out(
        `server:     ${server ? `running (pid ${s.serverPid})` : 'stopped'}  ${s.address}  namespace ${s.namespace}`,
      );
      out(
        `PostgreSQL: ${postgresRunning(s.postgres) ? 'running' : 'stopped'}  ${s.postgres.host}:${s.postgres.port}  ${s.postgres.dataDir}`,
      );
      out(`version:    ${s.version}`);
      out(`server log: ${s.serverLog}`);
      if (!server) process.exitCode = 1;
    });
}

async function up(f: z.output<typeof UpFlags>): Promise<void> {
  // A file where the state directory goes (or above it) was an EEXIST stack from mkdir.
  const blocker = notADirectory(f.dir);
  if (blocker) {
    const what = blocker === path.resolve(f.dir) ? ' is a file' : `: ${blocker} is a file`;
    throw new UserError(`--dir ${f.dir}${what}; expected a state directory`);
  }
  if (f.port !== 0 && (await isListening('127.0.0.1', f.port))) {
    throw new UserError(`--port ${f.port}: something already listens on 127.0.0.1:${f.port}`);
  }
  const c = await startCluster({
    dir: f.dir,
    port: f.port,
    namespace: f.namespace,
    durable: f.durable,
    detached: f.detach,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  out(`Temporal ${c.provisioned.version} on PostgreSQL ready`);
  out(`  gRPC:        ${c.address}  namespace ${c.namespace}  (TEMPORAL_ADDRESS=${c.address})`);
  out(`  PostgreSQL:  ${c.postgres.host}:${c.postgres.port}  ${c.postgres.dataDir}`);
  out(`  server log:  ${c.serverLog}`);
  if (f.detach) {
    out(`Running in the background; stop it with: josh cluster down --dir ${shellQuote(f.dir)}`);
    return;
  }
  out('Press Ctrl-C to stop.');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n${signal}: stopping the server and PostgreSQL...`);
    void c.stop().then(() => out('stopped.'));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const code = await c.server().exited;
  if (!stopping) {
    await c.stop();
    throw new UserError(`the Temporal server exited unexpectedly (${code}); see ${c.serverLog}`, 1);
  }
}
