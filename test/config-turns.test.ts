// The run's turn shape (issue 17): `turns: "child" | "activity"` in the config, the --turns flag,
// the JSON Schema and the client API's start configs. The shapes themselves are tested elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { parseStartConfig } from '../src/client/config';
import { addRunOptions, runConfigFromFlags, type RunFlags } from '../src/cli/runOptions';
import { RunConfig } from '../src/config/run';
import { runConfigJsonSchema } from '../scripts/gen-schema';

test('turns defaults to child and takes activity; anything else is refused naming the choices', () => {
  assert.equal(RunConfig.parse({ id: 'r' }).turns, 'child');
  assert.equal(RunConfig.parse({ id: 'r', turns: 'activity' }).turns, 'activity');
  const bad = RunConfig.safeParse({ id: 'r', turns: 'workflow' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0].path, ['turns']);
  assert.match(bad.error!.issues[0].message, /"child".*"activity"/);
  assert.equal(parseStartConfig({ turns: 'activity' }, 'eval').turns, 'activity');
});

test('--turns sets it, over a --config file; commander refuses other values', () => {
  const parse = (argv: string[]): RunFlags => {
    const cmd = addRunOptions(new Command('harvest')).exitOverride();
    cmd.configureOutput({ writeErr: () => undefined });
    return cmd.parse(argv, { from: 'user' }).opts<RunFlags>();
  };
  assert.equal(runConfigFromFlags(parse([]), 'harvest').turns, 'child');
  assert.equal(runConfigFromFlags(parse(['--turns', 'activity']), 'harvest').turns, 'activity');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-turns-'));
  const file = path.join(dir, 'run.yaml');
  fs.writeFileSync(file, 'turns: activity\n');
  assert.equal(runConfigFromFlags(parse(['--config', file]), 'harvest').turns, 'activity');
  assert.equal(runConfigFromFlags(parse(['--config', file, '--turns', 'child']), 'harvest').turns, 'child');
  fs.rmSync(dir, { recursive: true });
  assert.throws(() => parse(['--turns', 'thread']), /Allowed choices are child, activity/);
});

test('the JSON Schema describes turns with its choices and default', () => {
  const turns = (runConfigJsonSchema().properties as Record<string, Record<string, unknown>>).turns;
  assert.deepEqual(turns.enum, ['child', 'activity']);
  assert.equal(turns.default, 'child');
  assert.match(String(turns.description), /child workflow.*activity/s);
});
