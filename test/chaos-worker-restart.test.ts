// A replacement worker must be back quickly after a crash. Bundling the workflow code is most of
// a worker's start-up, so the bundle is cached by content: the second start reuses it, and any
// change to a file the bundle was built from (simulated here on the cache's own record of the
// inputs) rebuilds it instead of running stale workflow code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workflowBundle } from '../src/temporal/workflowBundle';
import { createLogger } from '../src/util/logger';

const logger = createLogger({ level: 'silent' });

const workflowsPath = require.resolve('./fixtures/workflows');

test('the workflow bundle is reused while its inputs are unchanged, rebuilt when one changes', async (t) => {
  const env = { ...process.env, JOSH_CACHE_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'josh-bundle-')) };
  const timed = async () => {
    const t0 = Date.now();
    const bundle = await workflowBundle(workflowsPath, { env, logger });
    return { code: 'code' in bundle ? bundle.code : '', ms: Date.now() - t0 };
  };

  const first = await timed();
  const dir = path.join(env.JOSH_CACHE_DIR, 'workflow-bundles');
  const [manifestFile] = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, manifestFile), 'utf8')) as {
    inputs: Record<string, string | null>;
  };
  const inputs = Object.keys(manifest.inputs);
  // The record names the workflow file itself, the SDK it was bundled with and the lockfile.
  assert.ok(inputs.some((f) => f.endsWith(path.join('test', 'fixtures', 'workflows.ts'))));
  assert.ok(inputs.some((f) => f.includes(path.join('@temporalio', 'workflow'))));
  assert.ok(inputs.some((f) => f.endsWith('package-lock.json')));

  const second = await timed();
  assert.equal(second.code, first.code);
  t.diagnostic(`bundled in ${first.ms} ms, from the cache in ${second.ms} ms (${inputs.length} inputs)`);
  assert.ok(second.ms * 5 < first.ms, `the cached bundle took ${second.ms} ms, bundling ${first.ms} ms`);

  // As if the workflow file had been edited since: the recorded hash no longer matches.
  const edited = inputs.find((f) => f.endsWith('workflows.ts'))!;
  manifest.inputs[edited] = 'an older version';
  fs.writeFileSync(path.join(dir, manifestFile), JSON.stringify(manifest));
  const third = await timed();
  assert.equal(third.code, first.code);
  const rewritten = JSON.parse(fs.readFileSync(path.join(dir, manifestFile), 'utf8')) as typeof manifest;
  assert.notEqual(rewritten.inputs[edited], 'an older version', 'rebundled and recorded afresh');
  assert.ok(third.ms > second.ms * 3, `${third.ms} ms: not rebuilt?`);

  // Off switch.
  const off = await workflowBundle(workflowsPath, {
    env: { ...env, JOSH_WORKFLOW_BUNDLE_CACHE: '0' },
    logger,
  });
  assert.ok('code' in off && off.code.length > 0);
});
