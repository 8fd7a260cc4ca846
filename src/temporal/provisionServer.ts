// Finds or builds the Temporal server and its SQL schema tool (issue 16): the PostgreSQL-backed
// cluster of `josh cluster` and the cluster test runs the real server, not the dev server the CLI
// embeds. Both are built with `go install` in the module the CLI is built in (deploy/temporal-build,
// which requires go.temporal.io/server at the version the CLI embeds), so they share every
// compiled package with the CLI's build and the second build is mostly linking. They go into the
// same user cache as the CLI, keyed by version, and the module's PostgreSQL schema files are
// copied beside them so `go clean -modcache` cannot take them away.
// A lock file keeps two processes (two test files, CI's background build and a test) from
// building at once: the second waits and then finds the first one's result.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { processAlive } from '../util/process';
import {
  cacheRoot,
  pruneOtherBuilds,
  runGoInstall,
  SQLITE_DRIVER_VERSION,
  TEMPORAL_BUILD_MODULE_DIR,
} from './provision';
import { SQLITE_STATEMENT_CACHE_ID } from './sqliteStatementCache';
import { SERVER_MODULE, SERVER_STREAM_WORKERS_ID } from './serverStreamWorkers';
import { mkdirs } from '../util/mkdirs';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
const PACKAGES = {
  'temporal-server': `${SERVER_MODULE}/cmd/server`,
  'temporal-sql-tool': `${SERVER_MODULE}/cmd/tools/sql`,
} as const;

export interface ProvisionedServer {
  /** The `temporal-server` binary. */
  server: string;
  /** The `temporal-sql-tool` binary (create-database, setup-schema, update-schema). */
  sqlTool: string;
  /** `schema/postgresql/v12` of the server module: `temporal/` and `visibility/`, each with
   * `schema.sql` and `versioned/`. */
  schemaDir: string;
  source: 'cache' | 'go-install';
  /** What `temporal-server --version` printed. */
  version: string;
}

export interface ServerProvisionOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Fail instead of building (for commands that must start fast). */
  findOnly?: boolean;
  /** How long to wait for another process's build (default 30 min). */
  lockWaitMs?: number;
}

/** Named like the CLI's entry: built in the same module, with the same SQLite driver. */
export function cachedServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(
    cacheRoot(env),
    `temporal-server-v${TEMPORAL_SERVER_VERSION}-sqlite-v${SQLITE_DRIVER_VERSION}-${SQLITE_STATEMENT_CACHE_ID}` +
      `-${SERVER_STREAM_WORKERS_ID}`,
  );
}

/** The entry is complete once `version.txt` exists: it is written last, after both binaries and
 * the schema files are in place. */
function cached(dir: string): ProvisionedServer | null {
  const marker = path.join(dir, 'version.txt');
  if (!fs.existsSync(marker)) return null;
  const entry = {
    server: path.join(dir, 'temporal-server'),
    sqlTool: path.join(dir, 'temporal-sql-tool'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
  if (
    ![entry.server, entry.sqlTool, path.join(entry.schemaDir, 'temporal', 'versioned')].every(fs.existsSync)
  )
    return null;
  const version = probeServer(entry.server);
  return version ? { ...entry, source: 'cache', version } : null;
}

/** `temporal-server --version` → `temporal version 1.29.1` (the app calls itself temporal). */
export function probeServer(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return null;
  const line = r.stdout.split('\n')[0]?.trim() ?? '';
  return line.includes(TEMPORAL_SERVER_VERSION) ? line : null;
}

export async function provisionTemporalServer(opts: ServerProvisionOptions = {}): Promise<ProvisionedServer> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = cachedServerDir(env);
  const hit = cached(dir);
  if (hit) return hit;
  if (opts.findOnly) {
    throw new UserError(
      `no Temporal server v${TEMPORAL_SERVER_VERSION} in ${dir}; run \`josh cluster provision\` to build it`,
    );
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8', env });
  if (go.error || go.status !== 0) {
    throw new UserError('building the Temporal server needs Go on PATH (https://go.dev/dl)');
  }
  const release = await acquireLock(`${dir}.lock`, opts.lockWaitMs ?? 30 * 60_000, log);
  try {
    const built = cached(dir); // another process may have built it while we waited
    if (built) return built;
    // A failed build (no network for a module, a broken checkout) is one line, as the CLI's is.
    await build(dir, env, log, go.stdout.trim()).catch((err: Error) => {
      throw new UserError(`building temporal server v${TEMPORAL_SERVER_VERSION} failed: ${err.message}`);
    });
    const fresh = cached(dir);
    if (!fresh)
      throw new UserError(`built the Temporal server into ${dir}, but it does not answer --version`);
    return { ...fresh, source: 'go-install' };
  } finally {
    release();
  }
}

async function build(dir: string, env: NodeJS.ProcessEnv, log: (l: string) => void, goVersion: string) {
  const what = `temporal server v${TEMPORAL_SERVER_VERSION}`;
  const parent = path.dirname(dir);
  mkdirs(parent);
  const staging = fs.mkdtempSync(path.join(parent, '.build-server-'));
  try {
    log(`${what}: building cmd/server and cmd/tools/sql with ${goVersion} (minutes on a cold Go cache)`);
    const gobin = path.join(staging, 'bin');
    fs.mkdirSync(gobin);
    await runGoInstall(gobin, env, log, what, Object.values(PACKAGES), '-s -w');
    const entry = path.join(staging, 'entry');
    fs.mkdirSync(entry);
    for (const [name, pkg] of Object.entries(PACKAGES)) {
      fs.renameSync(path.join(gobin, path.basename(pkg)), path.join(entry, name));
    }
    const moduleDir = goModuleDir(env);
    // Module cache files are read-only; the copies are made writable so a later rebuild can
    // remove this entry without chmod.
    fs.cpSync(path.join(moduleDir, 'schema', 'postgresql'), path.join(entry, 'schema', 'postgresql'), {
      recursive: true,
    });
    makeWritable(path.join(entry, 'schema'));
    fs.writeFileSync(path.join(entry, 'version.txt'), `${TEMPORAL_SERVER_VERSION}\n${goVersion}\n`);
    fs.rmSync(dir, { recursive: true, force: true }); // a broken earlier entry
    fs.renameSync(entry, dir); // one rename: a reader sees the whole entry or none
    log(`${what}: installed ${dir}`);
    pruneOtherBuilds(dir, 'temporal-server-v', log);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Where the build found the server module's source (GOMODCACHE/go.temporal.io/server@v…), and a
 * check that the build module's server is the version this file names. */
function goModuleDir(env: NodeJS.ProcessEnv): string {
  const r = spawnSync('go', ['list', '-m', '-json', SERVER_MODULE], {
    cwd: TEMPORAL_BUILD_MODULE_DIR,
    encoding: 'utf8',
    env: { ...env, GOFLAGS: '', GOWORK: 'off' },
  });
  const mod = r.status === 0 ? (JSON.parse(r.stdout) as { Dir?: string; Version?: string }) : undefined;
  if (!mod?.Dir) throw new Error(`go list -m did not name the server module's directory: ${r.stderr.trim()}`);
  if (mod.Version !== `v${TEMPORAL_SERVER_VERSION}`)
    throw new Error(
      `${TEMPORAL_BUILD_MODULE_DIR}/go.mod builds ${SERVER_MODULE} ${mod.Version}, not v${TEMPORAL_SERVER_VERSION}`,
    );
  return mod.Dir;
}

function makeWritable(p: string): void {
  const st = fs.statSync(p);
  fs.chmodSync(p, st.mode | 0o200);
  if (st.isDirectory()) for (const n of fs.readdirSync(p)) makeWritable(path.join(p, n));
}

/**
 * An exclusive lock file holding the owner's pid. A lock whose owner is gone (a build killed with
 * its process) is taken over; otherwise this waits, saying so every half minute.
 */
export async function acquireLock(
  file: string,
  waitMs: number,
  log: (l: string) => void,
): Promise<() => void> {
  const until = Date.now() + waitMs;
  let said = 0;
  mkdirs(path.dirname(file));
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(file, 'utf8').trim() || NaN);
    if (!Number.isInteger(owner) || !processAlive(owner)) {
      // Written but not yet filled (NaN) is a race with a live writer only for a moment; a file
      // older than a few seconds with no live pid is stale.
      const age = Date.now() - fs.statSync(file).mtimeMs;
      if (Number.isInteger(owner) || age > 5_000) {
        fs.rmSync(file, { force: true });
        continue;
      }
    }
    if (Date.now() > until)
      throw new UserError(`waited ${waitMs / 1000}s for ${file} (held by pid ${owner})`);
    if (Date.now() - said > 30_000) {
      log(`waiting for pid ${owner}, which is building the same thing (${file})`);
      said = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
