// A throwaway PostgreSQL for the Temporal server (issue 16): initdb into a directory of its own,
// listening on loopback only, on a port picked free, with a random password. PostgreSQL refuses to
// run as root, so when we are root every PostgreSQL program runs as an unprivileged user (the
// Debian package's `postgres`) through runuser, and the data directory belongs to that user.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { mkdirs } from '../util/mkdirs';

export interface PostgresOptions {
  /** Directory of this database: `data/` (PGDATA, with `postgres.log`) is created under it. */
  dir: string;
  port: number;
  /** `bin` of a PostgreSQL install; default: JOSH_PG_BIN, then pg_ctl on PATH, then the newest
   * /usr/lib/postgresql/<n>/bin. */
  binDir?: string;
  /** The account that runs PostgreSQL when we are root (default `postgres`). */
  runAs?: string;
  /**
   * false (the default for a throwaway cluster): fsync and full_page_writes off. A PostgreSQL
   * process that is killed loses nothing — every commit has been written to the kernel before it
   * is acknowledged — only an operating system crash could, the same bargain as the dev server's
   * SQLite. synchronous_commit stays on: with it off, a commit is acknowledged before its WAL
   * leaves PostgreSQL's own memory, so a crash of PostgreSQL itself loses acknowledged writes, and
   * the Temporal server, which relies on them, strands tasks (the cluster test saw it). true keeps
   * PostgreSQL's durable defaults.
   */
  durable?: boolean;
}

export interface PostgresInfo {
  dataDir: string;
  logFile: string;
  host: string;
  port: number;
  user: string;
  password: string;
  binDir: string;
  runAs: string | null;
}

export const PG_USER = 'temporal';

export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JOSH_PG_BIN) return env.JOSH_PG_BIN;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return path.join(root, versions[0], 'bin');
  throw new UserError(
    'PostgreSQL not found (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): ' +
      'install it (Debian: apt-get install postgresql) or set JOSH_PG_BIN',
  );
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program, as `runAs` when we are root. Throws with its output on failure. */
function pg(info: Pick<PostgresInfo, 'binDir' | 'runAs'>, program: string, args: string[]): string {
  const bin = path.join(info.binDir, program);
  const [cmd, argv] = info.runAs ? ['runuser', ['-u', info.runAs, '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, cwd: '/' });
  if (r.error || r.status !== 0) {
    const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(
      `${program} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${said}`,
    );
  }
  return r.stdout;
}

/** initdb with the product's settings; returns how to reach the database (not started yet). */
export function initPostgres(o: PostgresOptions): PostgresInfo {
  const binDir = o.binDir ?? findPostgresBin();
  const runAs = isRoot() ? (o.runAs ?? 'postgres') : null;
  const dataDir = path.join(path.resolve(o.dir), 'data');
  const info: PostgresInfo = {
    dataDir,
    logFile: path.join(dataDir, 'postgres.log'),
    host: '127.0.0.1',
    port: o.port,
    user: PG_USER,
    password: randomBytes(12).toString('hex'),
    binDir,
    runAs,
  };
  mkdirs(dataDir, 0o700);
  const pwFile = path.join(os.tmpdir(), `josh-pgpw-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(pwFile, `${info.password}\n`, { mode: 0o600 });
  try {
    if (runAs) {
      const uid = Number(execFileSync('id', ['-u', runAs], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', runAs], { encoding: 'utf8' }).trim());
      fs.chownSync(dataDir, uid, gid);
      fs.chownSync(pwFile, uid, gid);
      checkReachable(dataDir, runAs);
    }
    // scram passwords even on loopback: another local account cannot use the database.
    pg(info, 'initdb', [
      '-D',
      dataDir,
      '-U',
      PG_USER,
      '--pwfile',
      pwFile,
      '-A',
      'scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    port: String(o.port),
    // The socket lives in the data directory (not /var/run/postgresql, which may not exist).
    unix_socket_directories: `'${dataDir}'`,
    // One Temporal server opens up to 4 × 20 + 4 × 10 connections (a pool per service and store).
    max_connections: '250',
    ...(o.durable ? {} : { fsync: 'off', full_page_writes: 'off' }),
  };
  const conf = Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# josh cluster\n${conf}\n`);
  return info;
}

/** The data directory must be reachable by the account that runs PostgreSQL. */
function checkReachable(dataDir: string, runAs: string): void {
  const r = spawnSync('runuser', ['-u', runAs, '--', 'test', '-w', dataDir]);
  if (r.status !== 0) {
    throw new UserError(
      `${dataDir} is not reachable by the ${runAs} account that runs PostgreSQL: ` +
        'use a cluster directory whose parents others may enter (e.g. under /tmp)',
    );
  }
}

export function startPostgres(info: PostgresInfo): void {
  pg(info, 'pg_ctl', ['-D', info.dataDir, '-l', info.logFile, '-w', '-t', '120', 'start']);
}

/** `fast`: a clean shutdown; `immediate`: like a crash (recovery runs on the next start). */
export function stopPostgres(info: PostgresInfo, mode: 'fast' | 'immediate' = 'fast'): void {
  if (!postgresRunning(info)) return;
  pg(info, 'pg_ctl', ['-D', info.dataDir, '-m', mode, '-w', '-t', '120', 'stop']);
}

export function postgresRunning(info: PostgresInfo): boolean {
  if (!fs.existsSync(path.join(info.dataDir, 'postmaster.pid'))) return false;
  try {
    pg(info, 'pg_ctl', ['-D', info.dataDir, 'status']);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid (first line of postmaster.pid), for CPU accounting. */
export function postgresPid(info: PostgresInfo): number | null {
  try {
    return Number(fs.readFileSync(path.join(info.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}
