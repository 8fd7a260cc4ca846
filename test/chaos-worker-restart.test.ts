// A replacement worker must be back quickly after a crash. Bundling the workflow code is most of
// a worker's start-up, so the bundle is cached by content: the second start reuses it, and any
// change to a file the bundle was built from (simulated here on the cache's own record of the
// inputs) rebuilds it instead of running stale workflow code. Whether a load was served from the
// cache is read from what the code logs, never from how long it took.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { workflowBundle } from '../src/temporal/workflowBundle';
import { createLogger } from '../src/util/logger';

const workflowsPath = require.resolve('./fixtures/workflows');

interface Manifest {
  inputs: Record<string, string | null>;
}

/** A cache directory of its own, and a load that reports what the code logged about it. */
function bundleCache() {
  const env = { ...process.env, JOSH_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'josh-bundle-')) };
  const dir = path.join(env.JOSH_CACHE_DIR, 'workflow-bundles');
  const load = async (extraEnv: NodeJS.ProcessEnv = {}) => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        done();
      },
    });
    const logger = createLogger({ level: 'debug', destination });
    const bundle = await workflowBundle(workflowsPath, { env: { ...env, ...extraEnv }, logger });
    const said = (msg: string) => lines.find((l) => l.msg === msg);
    return {
      code: 'code' in bundle ? bundle.code : '',
      fromCache: said('workflow bundle from cache') !== undefined,
      /** Why it was bundled afresh, as the code logged it. */
      rebuilt: said('bundling the workflow code')?.reason as string | undefined,
      warned: lines.filter((l) => l.level === 40).map((l) => `${String(l.msg)}: ${String(l.err)}`),
    };
  };
  const manifestFile = () => {
    const [f] = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
    return path.join(dir, f);
  };
  const manifest = () => JSON.parse(fs.readFileSync(manifestFile(), 'utf8')) as Manifest;
  const writeManifest = (m: Manifest) => fs.writeFileSync(manifestFile(), JSON.stringify(m));
  const codeFile = () => manifestFile().replace(/\.json$/, '.js');
  return { load, manifest, writeManifest, codeFile };
}

test('the workflow bundle is reused while its inputs are unchanged, rebuilt when one changes', async (t) => {
  const cache = bundleCache();
  const first = await cache.load();
  assert.equal(first.fromCache, false);
  assert.match(first.rebuilt ?? '', /no cache entry/);
  const manifest = cache.manifest();
  const inputs = Object.keys(manifest.inputs);
  // The record names the workflow file itself, the SDK it was bundled with and the lockfile.
  assert.ok(inputs.some((f) => f.endsWith(path.join('test', 'fixtures', 'workflows.ts'))));
  assert.ok(inputs.some((f) => f.includes(path.join('@temporalio', 'workflow'))));
  assert.ok(inputs.some((f) => f.endsWith('package-lock.json')));

  const second = await cache.load();
  t.diagnostic(`${inputs.length} inputs recorded`);
  assert.equal(second.fromCache, true, 'the second load is a cache hit');
  assert.equal(second.rebuilt, undefined);
  assert.equal(second.code, first.code);

  // From another working directory (a user's other folder; every CLI test's temp dir): the same
  // entry, not another webpack run.
  const home = process.cwd();
  process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'josh-elsewhere-')));
  try {
    const elsewhere = await cache.load();
    assert.equal(elsewhere.fromCache, true, `rebuilt from another directory: ${elsewhere.rebuilt}`);
  } finally {
    process.chdir(home);
  }

  // As if the workflow file had been edited since: the recorded hash no longer matches.
  const edited = inputs.find((f) => f.endsWith('workflows.ts'))!;
  manifest.inputs[edited] = 'an older version';
  cache.writeManifest(manifest);
  const third = await cache.load();
  assert.equal(third.fromCache, false);
  assert.match(third.rebuilt ?? '', new RegExp(`changed: ${edited.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.equal(third.code, first.code);
  assert.notEqual(cache.manifest().inputs[edited], 'an older version', 'rebundled and recorded afresh');

  // Off switch.
  const off = await cache.load({ JOSH_WORKFLOW_BUNDLE_CACHE: '0' });
  assert.equal(off.fromCache, false);
  assert.ok(off.code.length > 0);
});

test('an input that cannot be read is never a cache hit: the bundle is rebuilt, not served stale', async () => {
  const cache = bundleCache();
  const first = await cache.load();
  // An entry recorded while one of its inputs could not be read (the old code stored null for it),
  // and that input still unreadable now: null equals null, yet nothing says the bundle is current.
  const gone = path.join(os.tmpdir(), `josh-bundle-missing-${process.pid}.ts`);
  const manifest = cache.manifest();
  manifest.inputs[gone] = null;
  cache.writeManifest(manifest);
  fs.writeFileSync(cache.codeFile(), '// a stale bundle\n');
  const second = await cache.load();
  assert.equal(second.fromCache, false, 'served from the cache although an input is unreadable');
  assert.equal(second.code, first.code);
  assert.match(
    second.rebuilt ?? '',
    new RegExp(`unreadable: ${gone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  );

  // An input recorded with a hash that has since become unreadable: rebuilt too.
  const recorded = cache.manifest();
  const moved = path.join(os.tmpdir(), `josh-bundle-moved-${process.pid}.ts`);
  recorded.inputs[moved] = 'a hash of a file that was there';
  cache.writeManifest(recorded);
  fs.writeFileSync(cache.codeFile(), '// a stale bundle\n');
  const third = await cache.load();
  assert.equal(third.fromCache, false);
  assert.equal(third.code, first.code);
  assert.match(third.rebuilt ?? '', /unreadable: /);
  // What was recorded afresh names only readable inputs, each with its hash.
  for (const [file, hash] of Object.entries(cache.manifest().inputs)) {
    assert.match(String(hash), /^[0-9a-f]{64}$/, `${file} recorded without a hash`);
  }
});

test('run from a directory without a lockfile (josh installed elsewhere): cached all the same, no warning', async () => {
  const cache = bundleCache();
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-bundle-cwd-'));
  const home = process.cwd();
  process.chdir(elsewhere);
  try {
    const first = await cache.load();
    assert.deepEqual(first.warned, [], 'a warning about the missing lockfile');
    const lock = path.join(elsewhere, 'package-lock.json');
    assert.equal(cache.manifest().inputs[lock], 'absent');
    const second = await cache.load();
    assert.equal(second.fromCache, true, 'rebuilt on every start for want of a lockfile');
    // A lockfile that appears later is a change: rebuilt.
    fs.writeFileSync(lock, '{}\n');
    const third = await cache.load();
    assert.equal(third.fromCache, false);
    assert.match(third.rebuilt ?? '', /changed: .*package-lock\.json/);
  } finally {
    process.chdir(home);
  }
});

test('a rebuild prunes the entries of workflow code that is gone, and keeps those still on disk', async () => {
  const cache = bundleCache();
  await cache.load(); // this checkout's entry, read before the others exist
  const ownCode = cache.codeFile();
  const own = cache.manifest();
  const dir = path.dirname(ownCode);
  const entry = (key: string, workflowsPath: string) => {
    fs.writeFileSync(path.join(dir, `${key}.json`), JSON.stringify({ workflowsPath, sdk: 'x', inputs: {} }));
    fs.writeFileSync(path.join(dir, `${key}.js`), '// a bundle\n');
  };
  entry('gone', path.join(os.tmpdir(), `josh-deleted-clone-${process.pid}`, 'src', 'workflows', 'index.ts'));
  const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-other-clone-'));
  entry('kept', kept);
  // A rebuild of this checkout (as if its first input had been edited) is what prunes.
  own.inputs[Object.keys(own.inputs)[0]] = 'an older version';
  fs.writeFileSync(ownCode, '// a stale bundle\n');
  fs.writeFileSync(ownCode.replace(/\.js$/, '.json'), JSON.stringify(own));
  const rebuilt = await cache.load();
  assert.equal(rebuilt.fromCache, false);
  const left = fs.readdirSync(dir).sort();
  assert.ok(!left.includes('gone.json') && !left.includes('gone.js'), `not pruned: ${left.join(' ')}`);
  assert.ok(
    left.includes('kept.json') && left.includes('kept.js'),
    `pruned code still on disk: ${left.join(' ')}`,
  );
  assert.notEqual(fs.readFileSync(ownCode, 'utf8'), '// a stale bundle\n', 'rebuilt in place');
});
