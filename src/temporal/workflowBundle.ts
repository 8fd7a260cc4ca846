// The workflow bundle, built once per version of the workflow code and kept in the user cache.
// Bundling (webpack) takes seconds of CPU; without the cache every worker start pays it, so a
// crashed worker's replacement needs 10+ s on a busy 2-core machine before it polls again. The
// cache entry records every file webpack put in the bundle with its content hash and is used only
// while all of them are unchanged, so an edited workflow (or an upgraded package) is rebundled.
// An input that cannot be read proves nothing about the bundle: it is never a hit, and a build
// with one is not cached.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type pino from 'pino';
import { writeFileAtomic } from '../util/atomicWrite';
import { cacheRoot } from './provision';
import { UserError } from '../util/errors';

interface Manifest {
  workflowsPath: string;
  sdk: string;
  /** Absolute path → sha256 of its content. (Older entries may hold null: never fresh.) */
  inputs: Record<string, string | null>;
}

const SDK_VERSION: string = (
  JSON.parse(fs.readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as {
    version: string;
  }
).version;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The recorded "hash" of an optional input (the lockfile) that was not there. */
const ABSENT = 'absent';

function fileHash(file: string): string | null {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return null;
  }
}

/** The modules webpack bundled (the `/***\/ "./path"` headers of its development output), and the
 * lockfile, which pins every package the bundle resolved. */
function bundleInputs(code: string, context: string): Record<string, string | null> {
  const inputs: Record<string, string | null> = {};
  for (const m of code.matchAll(/^\/\*\*\*\/ "(\.{1,2}\/[^"?!]+)[^"]*"$/gm)) {
    const file = path.resolve(context, m[1]);
    inputs[file] = fileHash(file);
  }
  // Run from a directory without a lockfile (josh installed as a dependency, or run from
  // elsewhere), its absence is what the bundle was built with: recorded as such, so the entry
  // still serves, and still goes stale the moment a lockfile appears.
  const lockfile = path.join(context, 'package-lock.json');
  inputs[lockfile] = fs.existsSync(lockfile) ? fileHash(lockfile) : ABSENT;
  return inputs;
}

/** Why the cache entry cannot be used, or undefined when it can. */
function staleness(manifest: Manifest, workflowsPath: string): string | undefined {
  if (manifest.workflowsPath !== workflowsPath) return 'the entry is for another workflows path';
  if (manifest.sdk !== SDK_VERSION) return `the entry is for SDK ${manifest.sdk}`;
  const entries = Object.entries(manifest.inputs);
  if (entries.length < 2) return 'the entry records no inputs';
  for (const [file, recorded] of entries) {
    const now = recorded === ABSENT && !fs.existsSync(file) ? ABSENT : fileHash(file);
    // Unreadable then or now: nothing shows the bundle was built from what is there today.
    if (recorded === null || now === null) return `an input is unreadable: ${file}`;
    if (now !== recorded) return `an input changed: ${file}`;
  }
  return undefined;
}

/**
 * The bundle of `workflowsPath`: from the cache when none of its inputs changed, else built and
 * cached. Any cache problem (unwritable, corrupt) falls back to a fresh bundle, never an error.
 * `JOSH_WORKFLOW_BUNDLE_CACHE=0` turns the cache off.
 */
/** JOSH_WORKFLOW_BUNDLE_CACHE: 0 turns the cache off; 1 or unset leaves it on; anything else is
 * refused (a typo read as "on" hid that the cache was still used). */
export function bundleCacheOn(env: NodeJS.ProcessEnv): boolean {
  const v = env.JOSH_WORKFLOW_BUNDLE_CACHE;
  if (v !== undefined && !['', '0', '1'].includes(v))
    throw new UserError(`JOSH_WORKFLOW_BUNDLE_CACHE: expected 0 (off) or 1 (on), got "${v}"`);
  return v !== '0';
}

export async function workflowBundle(
  workflowsPath: string,
  opts: { logger?: pino.Logger; env?: NodeJS.ProcessEnv } = {},
): Promise<WorkflowBundle> {
  const env = opts.env ?? process.env;
  const absolute = path.resolve(workflowsPath);
  const build = () =>
    bundleWorkflowCode({
      workflowsPath: absolute,
      // The workflow modules are evaluated once per worker and shared by every workflow it runs,
      // instead of once per workflow execution (the SDK's default with a reused V8 context): each
      // agent-turn child used to carry its own copy of the ~40 modules. Measured (issue 17, c32x1,
      // `child` turns): worker peak RSS 627–633 → 581–595 MiB, CPU unchanged. Safe because these
      // modules hold no per-workflow state: their module scope only defines functions, constants
      // and activity proxies (the SDK freezes what they export, so a module that mutated its
      // exports would fail loudly, not leak).
      preloadModules: [absolute],
      ...(opts.logger ? { logger: sdkLogger(opts.logger) } : {}),
    });
  if (!bundleCacheOn(env)) return build();

  const dir = path.join(cacheRoot(env), 'workflow-bundles');
  // 'preload': bundles cached before preloadModules are not this bundle. Not keyed by the working
  // directory: webpack names modules relative to it, but resolves them from their own files, so a
  // bundle built in one directory runs the same from another (its inputs are recorded absolute).
  // Keyed by it, every `josh` started in a new directory (each test's temp dir) ran webpack again.
  const key = sha256(JSON.stringify([absolute, SDK_VERSION, 'preload', 'any-cwd'])).slice(0, 24);
  const codeFile = path.join(dir, `${key}.js`);
  const manifestFile = path.join(dir, `${key}.json`);
  let reason = 'no cache entry';
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
    const stale = staleness(manifest, absolute);
    if (stale === undefined) {
      const code = fs.readFileSync(codeFile, 'utf8');
      opts.logger?.debug({ codeFile }, 'workflow bundle from cache');
      return { code };
    }
    reason = stale;
  } catch (err) {
    // no entry yet, or an unreadable one: bundle afresh
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') reason = `unusable cache entry: ${String(err)}`;
  }
  opts.logger?.debug({ reason }, 'bundling the workflow code');
  const context = process.cwd();
  const bundle = await build();
  try {
    const manifest: Manifest = {
      workflowsPath: absolute,
      sdk: SDK_VERSION,
      inputs: bundleInputs(bundle.code, context),
    };
    const unreadable = Object.keys(manifest.inputs).find((f) => manifest.inputs[f] === null);
    if (unreadable !== undefined) throw new Error(`an input is unreadable: ${unreadable}`);
    // Code first: a manifest never points at a missing or older bundle.
    writeFileAtomic(codeFile, bundle.code);
    writeFileAtomic(manifestFile, JSON.stringify(manifest));
  } catch (err) {
    opts.logger?.warn({ err: (err as Error).message }, 'could not cache the workflow bundle');
  }
  pruneGone(dir, opts.logger);
  return { code: bundle.code };
}

/**
 * Removes the entries of workflow code that is no longer there (a deleted clone, a test's temp
 * copy, an uninstalled package): each is 2–3 MB and nothing can ever use it again, and without
 * this the cache grew by one per checkout. Run on a miss only, so a hit costs nothing more.
 * Entries of code still on disk stay, however old: that checkout may run again.
 */
export function pruneGone(dir: string, logger?: pino.Logger): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return;
  }
  for (const name of names) {
    const manifestFile = path.join(dir, name);
    try {
      const { workflowsPath } = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Partial<Manifest>;
      if (typeof workflowsPath !== 'string' || fs.existsSync(workflowsPath)) continue;
      // Manifest first: an entry is never a manifest whose bundle is gone for good.
      fs.rmSync(manifestFile, { force: true });
      fs.rmSync(manifestFile.replace(/\.json$/, '.js'), { force: true });
      logger?.debug({ workflowsPath }, 'pruned the cached bundle of workflow code that is gone');
    } catch {
      // unreadable or half-written (another process writing it): leave it
    }
  }
}

/** The bundler logs through the SDK's logger interface. */
function sdkLogger(logger: pino.Logger) {
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, meta?: Record<string, unknown>): void =>
      logger[level]({ component: 'workflow-bundler', ...meta }, message);
  return {
    log: (level: string, message: string, meta?: Record<string, unknown>) =>
      logger.info({ component: 'workflow-bundler', level, ...meta }, message),
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
