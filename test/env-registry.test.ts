// The registry of environments (issue 13): the pure half is workflow-safe and lists every
// environment once; the node half builds them, probes data directories and lists their files;
// the run config, the CLI and the scoring lookup take names, splits and user simulators from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runConfigFromFlags } from '../src/cli/runOptions';
import { RunConfig } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import {
  environmentNode,
  environmentNodes,
  environmentsIn,
  getEnvironment,
  workerPromptsSource,
} from '../src/env';
import {
  DEFAULT_ENV,
  ENVIRONMENT_NAMES,
  UnknownEnvironmentError,
  environmentPlugin,
  environmentPlugins,
} from '../src/env/registry';
import { getScoring } from '../src/env/scoring';
import { toolwozScoring } from '../src/env/toolwoz/scoring';
import { UserError } from '../src/util/errors';

const ROOT = path.resolve(__dirname, '..');
const DATA = resolveDataDir(undefined, ROOT);

/** Every module the file loads at run time (type-only imports are erased), relative ones followed. */
function runtimeImports(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)].map(
    (m) => m[1],
  );
  seen.set(file, specs);
  for (const spec of specs.filter((s) => s.startsWith('.'))) {
    const base = path.resolve(path.dirname(file), spec);
    const next = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    assert.ok(next, `${file}: cannot resolve ${spec}`);
    runtimeImports(next, seen);
  }
  return seen;
}

test('the pure registry loads no Node module and no package: the workflow bundle imports it', () => {
  for (const entry of ['src/env/registry.ts', 'src/env/scoring.ts', 'src/config/run.ts']) {
    const graph = runtimeImports(path.join(ROOT, entry));
    for (const [file, specs] of graph) {
      const bare = specs.filter((s) => !s.startsWith('.') && s !== 'zod');
      assert.deepEqual(bare, [], `${path.relative(ROOT, file)} (from ${entry}) imports ${bare.join(', ')}`);
    }
    // The node halves stay out of it.
    assert.ok(![...graph.keys()].some((f) => f.endsWith(path.join('src', 'env', 'index.ts'))), entry);
  }
});

test('each environment is registered once, with a node half, the default first', () => {
  const names = environmentPlugins().map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(DEFAULT_ENV, 'toolwoz');
  assert.equal(ENVIRONMENT_NAMES[0], DEFAULT_ENV);
  assert.deepEqual([...ENVIRONMENT_NAMES].sort(), [...names].sort());
  assert.deepEqual(
    environmentNodes()
      .map((n) => n.name)
      .sort(),
    [...names].sort(),
  );
  for (const p of environmentPlugins()) {
    assert.ok(p.splits.includes(p.defaultSplit), `${p.name}: default split ${p.defaultSplit}`);
    assert.ok(p.userSimKinds.length > 0, p.name);
    assert.ok(p.description.length > 0, p.name);
  }
  assert.throws(() => environmentPlugin('tau3'), UnknownEnvironmentError);
  assert.throws(() => environmentPlugin('tau3'), /unknown environment "tau3" \(known: toolwoz, /);
  assert.throws(() => environmentNode('tau3'), UserError);
  assert.throws(() => getEnvironment('tau3', DATA), /unknown environment "tau3"/);
});

test('ToolWOZ on the registry: its scoring, its result file names, its splits', () => {
  const toolwoz = environmentPlugin('toolwoz');
  assert.equal(getScoring('toolwoz'), toolwozScoring);
  assert.equal(toolwoz.scoring, toolwozScoring);
  assert.deepEqual([...toolwoz.splits], ['train', 'val', 'test', 'full_test']);
  assert.equal(toolwoz.defaultSplit, 'val');
  assert.deepEqual([...toolwoz.userSimKinds], ['goal', 'guide', 'script']);
  // As result files were always named: the id without .json.
  assert.equal(toolwoz.taskFileName('MUL0003.json'), 'MUL0003');
  assert.equal(toolwoz.taskFileName('SNG01856.json'), 'SNG01856');
  for (const p of environmentPlugins()) {
    for (const id of ['train-0', 'MUL0003.json', '7', 'a/b', '..', 'x y']) {
      const name = p.taskFileName(id);
      assert.ok(
        name.length > 0 && !name.includes('/') && !name.includes('\\') && !/^\.+$/.test(name),
        `${p.name}: ${id} → ${name}`,
      );
    }
  }
  assert.throws(() => getScoring('nope'), /unknown environment "nope"/);
});

test('the run config: env from the registry, the split default per environment, user simulators per environment', () => {
  assert.deepEqual(RunConfig.parse({ id: 'r' }).env, 'toolwoz');
  assert.equal(RunConfig.parse({ id: 'r' }).split, 'val');
  assert.equal(RunConfig.parse({ id: 'r', split: 'test' }).split, 'test');
  for (const p of environmentPlugins()) {
    const c = RunConfig.parse({ id: 'r', env: p.name, userSim: p.userSimKinds[0] });
    assert.equal(c.split, p.defaultSplit, p.name);
  }
  const unknown = RunConfig.safeParse({ id: 'r', env: 'tau3' });
  assert.equal(unknown.success, false);
  assert.deepEqual(unknown.error!.issues[0].path, ['env']);
  // A user simulator the environment does not have is refused, naming the ones it has.
  const without = environmentPlugins().find((p) => !p.userSimKinds.includes('script'));
  if (without) {
    const bad = RunConfig.safeParse({ id: 'r', env: without.name, userSim: 'script' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0].path, ['userSim']);
    assert.match(bad.error!.issues[0].message, new RegExp(`environment ${without.name} has no "script"`));
  }
});

test("the CLI: a command's default split holds where the environment has it, else the environment's own", () => {
  assert.equal(runConfigFromFlags({}, 'harvest', { split: 'val' }).split, 'val');
  assert.equal(runConfigFromFlags({}, 'eval', { split: 'test' }).split, 'test');
  for (const p of environmentPlugins()) {
    const harvest = runConfigFromFlags({ env: p.name, userSim: p.userSimKinds[0] }, 'harvest', {
      split: 'val',
    });
    assert.equal(harvest.split, p.splits.includes('val') ? 'val' : p.defaultSplit, p.name);
    const explicit = runConfigFromFlags(
      { env: p.name, split: 'anything', userSim: p.userSimKinds[0] },
      'harvest',
      {
        split: 'val',
      },
    );
    assert.equal(explicit.split, 'anything');
  }
});

test('data directories: each environment probes for its data; the development layout holds them all', () => {
  assert.deepEqual(environmentsIn(DATA), [...ENVIRONMENT_NAMES]);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-registry-'));
  assert.deepEqual(environmentsIn(empty), []);
  fs.mkdirSync(path.join(empty, 'toolwoz'));
  assert.deepEqual(environmentsIn(empty), ['toolwoz']);
  fs.rmSync(empty, { recursive: true });
  // Every file an environment says it reads exists in the data directory (the dataset version).
  for (const node of environmentNodes()) {
    const files = node.dataFiles(DATA);
    assert.ok(files.length > 0, node.name);
    for (const f of files) assert.ok(fs.statSync(f).isFile(), `${node.name}: ${f}`);
  }
});

test("a worker's prompts are the default environment's prompt set; ToolWOZ builds from the registry", () => {
  const builtIn = workerPromptsSource();
  assert.equal(builtIn.file, null);
  assert.match(builtIn.hash, /^[0-9a-f]{64}$/);
  const recorded = environmentNode(DEFAULT_ENV).prompts!.recorded('prompts.yaml', builtIn.text);
  assert.equal(recorded.hash, builtIn.hash);
  const env = getEnvironment('toolwoz', DATA);
  assert.equal(getEnvironment('toolwoz', DATA), env, 'created once per data directory');
  for (const strategy of ['function-calling', 'react'] as const) {
    assert.equal(recorded.agentSystemPrompt(strategy, env.tools()), env.agentSystemPrompt(strategy));
  }
});
