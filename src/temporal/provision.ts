// Finds or builds the real `temporal` CLI (it embeds the dev server). Order: TEMPORAL_CLI → PATH →
// our user-level cache → a Go build of the pinned version into that cache → the SDK's own cached
// download. The cache lives outside the work tree so a fresh clone on the same machine is instant.
//
// The Go build runs in deploy/temporal-build, a module that requires the CLI at its release version
// and raises one dependency: the SQLite driver, whose v1.34.1 (the CLI's pin) can leave the dev
// server's only database connection failing every statement with "interrupted (9)" after a burst
// of deadlines. That module's interrupt_test.go reproduces it and says what was measured.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { SQLITE_STATEMENT_CACHE_ID, writeCachingDriver } from './sqliteStatementCache';
import { CLI_METRICS_SWITCH_ID, writeCliWithMetricsSwitch } from './cliMetricsSwitch';
import { SERVER_STREAM_WORKERS_ID, writeServerWithStreamWorkers } from './serverStreamWorkers';
import { mkdirs } from '../util/mkdirs';

export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The SQLite driver deploy/temporal-build/go.mod requires (a test keeps the two equal). It is part
 * of the cache entry's name, so a binary built with another driver is never taken for this one. */
export const SQLITE_DRIVER_VERSION = '1.44.3';
const CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
/** The Go module the CLI (and `josh cluster`'s server) is built in; shipped with the package
 * (`deploy` is in its files). */
export const TEMPORAL_BUILD_MODULE_DIR = path.resolve(__dirname, '..', '..', 'deploy', 'temporal-build');
// The release builds stamp the version this way (cli's .goreleaser.yml); without it `--version`
// says 0.0.0-DEV. -s -w drop debug info like the release binaries.
const RELEASE_LDFLAGS = `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go-install' | 'sdk-download';

export interface ProvisionedCli {
  path: string;
  source: CliSource;
  /** First line of `temporal --version`. */
  version: string;
}

export interface ProvisionOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (the go build takes minutes cold); defaults to stderr. */
  log?: (line: string) => void;
  /** Skip steps that build or download (used by commands that must start fast). */
  findOnly?: boolean;
}

/** `${JOSH_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/josh-harvest}`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JOSH_CACHE_DIR) return path.resolve(env.JOSH_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(xdg, 'josh-harvest');
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const exe = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
  const entry =
    `temporal-cli-v${TEMPORAL_CLI_VERSION}-sqlite-v${SQLITE_DRIVER_VERSION}-${SQLITE_STATEMENT_CACHE_ID}` +
    `-${CLI_METRICS_SWITCH_ID}-${SERVER_STREAM_WORKERS_ID}`;
  return path.join(cacheRoot(env), entry, exe);
}

/** Runs `<bin> --version`; returns its first line, or null if the file is not a working CLI. */
export function probeCli(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return null;
  const line = r.stdout.split('\n')[0]?.trim() ?? '';
  return line.startsWith('temporal version') ? line : null;
}

function onPath(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, process.platform === 'win32' ? 'temporal.exe' : 'temporal');
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export async function provisionTemporalCli(opts: ProvisionOptions = {}): Promise<ProvisionedCli> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tried: string[] = [];
  const accept = (p: string, source: CliSource): ProvisionedCli | null => {
    const version = probeCli(p);
    if (version) return { path: p, source, version };
    tried.push(`${source}: ${p} did not answer \`--version\``);
    return null;
  };

  if (env.TEMPORAL_CLI) {
    // An explicit choice that does not work is an error, not something to silently route around.
    const found = accept(path.resolve(env.TEMPORAL_CLI), 'TEMPORAL_CLI');
    if (found) return found;
    throw new UserError(
      `TEMPORAL_CLI=${env.TEMPORAL_CLI} is not a working temporal CLI (\`--version\` failed)`,
    );
  }
  const fromPath = onPath(env);
  if (fromPath) {
    const found = accept(fromPath, 'PATH');
    if (found) return found;
  }
  const cached = cachedCliPath(env);
  if (fs.existsSync(cached)) {
    const found = accept(cached, 'cache');
    if (found) return found;
  } else {
    tried.push(`cache: ${cached} not present`);
  }
  if (opts.findOnly) throw notFound(tried, 'run `npm run provision` to build it');

  try {
    await goInstall(cached, env, log);
    const found = accept(cached, 'go-install');
    if (found) return found;
  } catch (err) {
    tried.push(`go install: ${(err as Error).message}`);
    log(`temporal CLI: go install failed (${(err as Error).message}); trying the SDK's download`);
  }
  try {
    const downloaded = await sdkDownload(env, log);
    const found = accept(downloaded, 'sdk-download');
    if (found) return found;
  } catch (err) {
    tried.push(`SDK download: ${(err as Error).message}`);
  }
  throw notFound(tried, 'install Go (https://go.dev/dl) or set TEMPORAL_CLI to a temporal binary');
}

function notFound(tried: string[], hint: string): UserError {
  return new UserError(`no temporal CLI found; ${hint}. Tried:\n  ${tried.join('\n  ')}`);
}

/** Builds the pinned CLI with Go (in its build module) into a temp dir beside the cache entry,
 * then renames it in. */
async function goInstall(dest: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const go = spawnSync('go', ['version'], { encoding: 'utf8', env });
  if (go.error || go.status !== 0) throw new Error('`go` is not on PATH');
  mkdirs(path.dirname(dest));
  const gobin = fs.mkdtempSync(path.join(path.dirname(dest), '.build-'));
  try {
    log(
      `temporal CLI: building v${TEMPORAL_CLI_VERSION} (SQLite driver v${SQLITE_DRIVER_VERSION}, ` +
        `see deploy/temporal-build/go.mod) with ${go.stdout.trim()} (minutes on a cold Go cache)`,
    );
    await runGoInstall(gobin, env, log, 'temporal CLI', [CLI_PACKAGE], RELEASE_LDFLAGS, {
      cliMetricsSwitch: true,
    });
    const built = path.join(gobin, path.basename(dest));
    if (!fs.existsSync(built)) throw new Error(`go install finished but ${built} is missing`);
    fs.renameSync(built, dest); // atomic on one filesystem: a reader never sees half a binary
    log(`temporal CLI: installed ${dest}`);
    pruneOtherBuilds(path.dirname(dest), 'temporal-cli-v', log);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

/** After a new build is installed, the cache's other builds of the same kind (`prefix`, e.g. an
 * older pinned version or build patch set) are removed: each is 100-200 MB, and an upgraded checkout
 * never reads them again. Only after a build, never on a cache hit, so two checkouts of different
 * versions on one machine rebuild at most once per switch, not on every run. A binary that a running
 * server still executes is unaffected by its removal (Linux keeps the open file). */
export function pruneOtherBuilds(keep: string, prefix: string, log: (l: string) => void): void {
  const root = path.dirname(keep);
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || name === path.basename(keep)) continue;
    const old = path.join(root, name);
    try {
      fs.rmSync(old, { recursive: true, force: true });
      log(`removed an older build from the cache: ${old}`);
    } catch (err) {
      // Best effort: a cache entry we cannot remove costs disk, not correctness.
      log(`could not remove an older build ${old} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

/** `go install` of `pkgs` in the build module (its go.mod decides every version) into `gobin`,
 * with the SQLite driver's statement cache (./sqliteStatementCache.ts), the server's gRPC stream
 * workers (./serverStreamWorkers.ts) and, for the CLI, its metrics switch (./cliMetricsSwitch.ts). */
export async function runGoInstall(
  gobin: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  what: string,
  pkgs: string[],
  ldflags: string,
  patches: { cliMetricsSwitch?: boolean } = {},
): Promise<void> {
  const goMod = path.join(TEMPORAL_BUILD_MODULE_DIR, 'go.mod');
  if (!fs.existsSync(goMod)) throw new Error(`the build module ${goMod} is missing`);
  const patched = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-temporal-build-'));
  try {
    const modfile = writeCachingDriver(patched, TEMPORAL_BUILD_MODULE_DIR, env);
    fs.appendFileSync(modfile, writeServerWithStreamWorkers(patched, TEMPORAL_BUILD_MODULE_DIR, env));
    if (patches.cliMetricsSwitch)
      fs.appendFileSync(modfile, writeCliWithMetricsSwitch(patched, TEMPORAL_BUILD_MODULE_DIR, env));
    await goInstallIn(gobin, env, log, what, pkgs, ['-ldflags', ldflags, `-modfile=${modfile}`]);
  } finally {
    fs.rmSync(patched, { recursive: true, force: true });
  }
}

function goInstallIn(
  gobin: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  what: string,
  pkgs: string[],
  flags: string[],
): Promise<void> {
  const started = Date.now();
  // -mod=readonly: the committed go.mod and go.sum decide, whatever -mod a user's GOFLAGS names.
  const child = spawn('go', ['install', '-v', '-mod=readonly', ...flags, ...pkgs], {
    // GOWORK=off: a go.work above the checkout must not pull this build into someone's workspace.
    env: { ...env, GOBIN: gobin, CGO_ENABLED: '0', GOWORK: 'off' },
    cwd: TEMPORAL_BUILD_MODULE_DIR,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // `-v` names each package as it compiles; we count them and report on a timer instead of
  // echoing hundreds of lines (the link step at the end is silent for a while).
  let packages = 0;
  let modules = 0;
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
    for (const line of chunk.split('\n')) {
      if (line.startsWith('go: downloading')) modules++;
      else if (line.trim()) packages++;
    }
  });
  const heartbeat = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    log(`${what}: ... ${secs}s, ${modules} modules downloaded, ${packages} packages compiled`);
  }, 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      const secs = Math.round((Date.now() - started) / 1000);
      if (code === 0) {
        log(`${what}: go install done in ${secs}s`);
        resolve();
      } else {
        const lastLines = tail.trim().split('\n').slice(-5).join(' | ');
        reject(new Error(`exit ${code} after ${secs}s: ${lastLines}`));
      }
    });
  });
}

/**
 * The SDK's route (core-bridge downloads a CLI release from Temporal's CDN): start and stop an
 * ephemeral server once with a download dir in our cache; the binary stays there. Needs internet.
 */
async function sdkDownload(env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<string> {
  const downloadDir = path.join(cacheRoot(env), 'sdk-download');
  mkdirs(downloadDir);
  const existing = findDownloaded(downloadDir) ?? findDownloaded(os.tmpdir());
  if (existing) return existing;
  log(`temporal CLI: asking the Temporal SDK to download its dev server into ${downloadDir}`);
  // Imported lazily: loading the native bridge costs time that the other routes never need.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const testEnv = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir } },
  });
  await testEnv.teardown();
  const found = findDownloaded(downloadDir);
  if (!found) throw new Error(`the SDK started a server but left no binary in ${downloadDir}`);
  return found;
}

/** core-bridge names its download `temporal-sdk-typescript-<sdkVersion>` (or `temporal-<version>`). */
function findDownloaded(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const names = fs
    .readdirSync(dir)
    .filter((n) => /^temporal-(sdk-typescript-)?[0-9][\w.-]*(\.exe)?$/.test(n))
    .sort()
    .reverse();
  return names.length ? path.join(dir, names[0]) : null;
}
