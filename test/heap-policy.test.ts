// The josh process's heap policy (src/runtime/heapPolicy.ts): started through bin/josh.js, a
// process that keeps promoting and dropping objects holds its old space near 2× what is live,
// where V8's own factor lets it grow to several times that; JOSH_HEAP_GROWING_PERCENT and a
// `node --heap-growing-percent=N` on the command line change it. Sizes, not times: V8's collector
// is deterministic for a fixed allocation pattern.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyHeapPolicy, HEAP_GROWING_ENV, HEAP_GROWING_PERCENT } from '../src/runtime/heapPolicy';
import { UserError } from '../src/util/errors';

const ROOT = path.resolve(__dirname, '..');
const CHURN = path.join(ROOT, 'test', 'fixtures', 'heapChurn.cjs');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** `node [nodeArgs] -r heapChurn.cjs bin/josh.js --version`: the old space's peak in MiB. */
function peakOldSpaceMiB(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): number {
  const r = spawnSync(
    process.execPath,
    [...nodeArgs, '-r', CHURN, path.join(ROOT, 'bin', 'josh.js'), '--version'],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, [HEAP_GROWING_ENV]: '', ...env } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${VERSION}\n`, '`josh --version` prints the package version');
  const line = r.stderr.trim().split('\n').pop() ?? '';
  return (JSON.parse(line) as { maxOldSpaceMiB: number }).maxOldSpaceMiB;
}

void test('bin/josh.js collects when the old space has doubled; the command line and the environment can change it', () => {
  const josh = peakOldSpaceMiB([]);
  // 0 is V8's own dynamic factor.
  const v8Default = peakOldSpaceMiB([], { [HEAP_GROWING_ENV]: '0' });
  assert.ok(
    josh < 0.75 * v8Default,
    `old space peaked at ${josh.toFixed(0)} MiB under josh's policy, ${v8Default.toFixed(0)} MiB under V8's own`,
  );
  // A flag on node's command line wins over the policy and the environment.
  const commandLine = peakOldSpaceMiB(['--heap-growing-percent=0'], { [HEAP_GROWING_ENV]: '50' });
  assert.ok(
    commandLine > 1.3 * josh,
    `node --heap-growing-percent=0: old space peaked at ${commandLine.toFixed(0)} MiB, josh's policy ${josh.toFixed(0)} MiB`,
  );
});

void test('applyHeapPolicy: the default, the environment, a command-line flag, a bad value', () => {
  assert.equal(applyHeapPolicy([], {}), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  assert.equal(applyHeapPolicy([], { [HEAP_GROWING_ENV]: ' 30 ' }), '--heap-growing-percent=30');
  assert.equal(applyHeapPolicy(['--heap-growing-percent=0'], {}), undefined);
  assert.equal(applyHeapPolicy(['--heap_growing_percent=20'], {}), undefined);
  assert.equal(applyHeapPolicy(['--heap-growing-percent', '20'], {}), undefined);
  for (const bad of ['lots', '-1', '1.5', '1e2', '5000']) {
    assert.throws(
      () => applyHeapPolicy([], { [HEAP_GROWING_ENV]: bad }),
      (e: unknown) =>
        e instanceof UserError && e.message.includes(HEAP_GROWING_ENV) && e.message.includes(`"${bad}"`),
    );
  }
  applyHeapPolicy([], {}); // this test process's own heap back to the product's setting
});

void test('a bad JOSH_HEAP_GROWING_PERCENT is one line and exit 2', () => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'josh.js'), '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, [HEAP_GROWING_ENV]: 'lots' },
  });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^josh: JOSH_HEAP_GROWING_PERCENT: expected a whole number from 0 .* got "lots"\n$/);
});
