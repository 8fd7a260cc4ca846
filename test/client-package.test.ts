// The package as another Node service gets it: `npm pack` (prepare builds dist/), install the
// tarball into an empty project, type-check examples/trigger-harvest.ts there against the shipped
// .d.ts files (exports and classic resolution), require the entry point from plain JavaScript, run
// the example against the dev server until its harvest completes, and check the entry's fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withStack } from './helpers/harvest';
import { testAddress, testNamespace } from './helpers/temporal';

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Async, so the workers of this process keep serving while the child runs. */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const npm = (args: string[], cwd: string) =>
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [...args, '--no-audit', '--no-fund'], { cwd });

test('npm pack, install into another project, type-check and run the example service', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-consumer-'));
  try {
    // 1. Pack: `prepare` compiles the client API to dist/.
    const packed = await npm(['pack', '--json', '--pack-destination', tmp], ROOT);
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = info.files.map((f) => f.path);
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'src/client/package-entry.cjs',
      'schema/run-config.schema.json',
      'bin/josh.js',
    ])
      assert.ok(files.includes(f), `${f} is in the package`);
    assert.ok(!files.some((f) => f.startsWith('test/')), 'tests are not shipped');

    // 2. Install it into an empty project (from npm's cache where it can).
    const consumer = path.join(tmp, 'service');
    fs.mkdirSync(consumer);
    fs.writeFileSync(
      path.join(consumer, 'package.json'),
      JSON.stringify({ name: 'service', version: '1.0.0', private: true }),
    );
    const installed = await npm(
      ['install', path.join(tmp, info.filename), '--prefer-offline', '--ignore-scripts'],
      consumer,
    );
    assert.equal(installed.code, 0, installed.stderr);

    // 3. The example, as the service writes it: importing the package by name.
    const example = fs.readFileSync(path.join(ROOT, 'examples', 'trigger-harvest.ts'), 'utf8');
    assert.match(example, /from '\.\.\/src';/);
    fs.writeFileSync(
      path.join(consumer, 'service.ts'),
      example.replace(/from '\.\.\/src';/, "from 'josh-harvest';"),
    );

    // 4. Its types come from the shipped declarations, with both module resolutions in use.
    for (const resolution of [
      { module: 'node16', moduleResolution: 'node16' },
      { module: 'commonjs', moduleResolution: 'node10' },
    ]) {
      const tsconfig = {
        compilerOptions: {
          ...resolution,
          target: 'ES2022',
          strict: true,
          noEmit: true,
          esModuleInterop: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        },
        files: ['service.ts'],
      };
      fs.writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig));
      const checked = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer });
      assert.equal(checked.code, 0, `${resolution.moduleResolution}: ${checked.stdout}${checked.stderr}`);
    }

    // 5. Plain JavaScript gets the compiled code, no TypeScript loader; without dist/ (an install
    // that skipped `prepare`) the same API comes from the sources through tsx.
    const probe = async () => {
      const r = await run(
        process.execPath,
        [
          '-e',
          `const j = require('josh-harvest');
           const s = require('josh-harvest/schema/run-config.schema.json');
           const loaded = Object.keys(require.cache);
           console.log(JSON.stringify({ connect: typeof j.connect, defaults: j.RunConfig.parse({ id: 'x' }).beamSize,
             schema: s.title, compiled: loaded.some((f) => f.endsWith('dist/index.js')),
             tsx: loaded.some((f) => f.includes('/node_modules/tsx/')) }));`,
        ],
        { cwd: consumer },
      );
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    assert.deepEqual(await probe(), {
      connect: 'function',
      defaults: 8,
      schema: 'josh-harvest run config',
      compiled: true,
      tsx: false,
    });

    // 6. Run the example service against the dev server; this process's workers serve the run.
    await withStack({}, async (stack) => {
      const id = `t-package-${Date.now()}`;
      const configFile = path.join(consumer, 'config.json');
      fs.writeFileSync(
        configFile,
        JSON.stringify({ id, split: 'val', limit: 2, beamSize: 2, maxSteps: 4, userSim: 'script' }),
      );
      const env = {
        ...process.env,
        TEMPORAL_ADDRESS: testAddress(),
        TEMPORAL_NAMESPACE: testNamespace(),
        JOSH_TASK_QUEUE: stack.taskQueue,
      };
      const ran = await run(process.execPath, ['--import', 'tsx', 'service.ts', configFile], {
        cwd: consumer,
        env,
      });
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stderr, new RegExp(`^started ${id} \\(beam 2, val\\)`));
      const result = JSON.parse(ran.stdout) as { id: string; status: string; done: number; total: number };
      assert.equal(result.id, id);
      assert.equal(result.status, 'done');
      assert.equal(result.done, 2);
      assert.equal(result.total, 2);
    });

    const installedDist = path.join(consumer, 'node_modules', 'josh-harvest', 'dist');
    fs.rmSync(installedDist, { recursive: true, force: true });
    assert.deepEqual(await probe(), {
      connect: 'function',
      defaults: 8,
      schema: 'josh-harvest run config',
      compiled: false,
      tsx: true,
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
