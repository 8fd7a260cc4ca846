// `npm run bench`'s command line: --help lists the options, and a wrong flag or value is one line
// naming it (and the usage), exit 2, before anything is started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const bench = (...args: string[]) =>
  spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/bench.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

void test('bench --help lists every option and exits 0', () => {
  const r = bench('--help');
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['--scenarios', '--turns', '--latency-ms', '--dynamic-config', '--cluster', '--json'])
    assert.ok(r.stdout.includes(flag), `--help names ${flag}`);
});

void test('an unknown flag, a flag without its value and a bad value each stop bench with one line, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^bench: Unknown option '--bogus'$/m],
    [['--beam'], /^bench: Option '--beam <value>' argument missing$/m],
    [['--turns', 'sideways'], /^bench: --turns: the run config knows no turn shape "sideways"/m],
    [
      ['--store', 'memory'],
      /^bench: --store memory: no longer offered; the dev server runs on a SQLite file/m,
    ],
  ];
  for (const [args, expected] of cases) {
    const r = bench(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
  }
});

void test('a bad JOSH_HEAP_GROWING_PERCENT stops bench with one line, exit 2, before any row', () => {
  const r = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['scripts/bench.ts', '--scenarios', 'c1x1'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, JOSH_HEAP_GROWING_PERCENT: 'lots' },
    },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^bench: JOSH_HEAP_GROWING_PERCENT: expected a whole number from 0 .* got "lots"$/m);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /logs and runs in/, 'nothing started');
});
