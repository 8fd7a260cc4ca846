// The harvest workflow's input contract for other languages: schema/run-config.schema.json is what
// `npm run schema` generates from the zod RunConfig today, it accepts the documented example
// inputs and rejects broken ones, and on every case it agrees with the workflow's own check.
// ajv (dev only) is the validator another team would use: the reference JSON Schema
// implementation for JavaScript, draft 2020-12, maintained and already in our dependency tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { RunConfig } from '../src/config/run';
import { parseScheduledConfig } from '../src/client/config';
import { SCHEMA_FILE, runConfigSchemaText } from '../scripts/gen-schema';

const ROOT = path.resolve(__dirname, '..');
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
const readExample = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8')) as Record<string, unknown>;

/** What the harvest workflow does with its input: a missing id becomes the workflow id. */
const workflowAccepts = (input: Record<string, unknown>): boolean =>
  RunConfig.safeParse({ ...input, id: input.id ?? 'wf-id' }).success;

test('the committed schema is what `npm run schema` generates now', async () => {
  assert.equal(
    fs.readFileSync(SCHEMA_FILE, 'utf8'),
    await runConfigSchemaText(),
    'schema/run-config.schema.json is stale: run `npm run schema` and commit it',
  );
});

test('the documented example inputs are valid, for the schema and for the workflow', () => {
  const documented = readExample('harvest-input.json');
  assert.ok(validate(documented), JSON.stringify(validate.errors));
  assert.ok(workflowAccepts(documented));
  // The nightly schedule's config has no id (each run gets one) and passes both checks too.
  const nightly = readExample('nightly-harvest.json');
  assert.ok(validate(nightly), JSON.stringify(validate.errors));
  assert.equal(parseScheduledConfig(nightly, 'nightly').beamSize, 8);
  // As small as an input gets: every field has a default, the id comes from the workflow id.
  assert.ok(validate({}));
  assert.ok(workflowAccepts({}));
  assert.ok(validate({ mode: 'eval', agentTemperature: 0, trials: 4 }));
  assert.ok(workflowAccepts({ mode: 'eval', agentTemperature: 0, trials: 4 }));
});

test('broken inputs are rejected by the schema, with the field named, and by the workflow', () => {
  const documented = readExample('harvest-input.json');
  const broken: [string, Record<string, unknown>, string][] = [
    ['beam of zero', { ...documented, beamSize: 0 }, '/beamSize'],
    ['fractional limit', { ...documented, limit: 2.5 }, '/limit'],
    ['unknown mode', { ...documented, mode: 'sideways' }, '/mode'],
    ['split as a number', { ...documented, split: 3 }, '/split'],
    ['id with a space', { ...documented, id: 'my run' }, '/id'],
    ['concurrency over the cap', { ...documented, concurrency: 5000 }, '/concurrency'],
    ['price without output', { ...documented, prices: { 'sim-agent': { input: 1 } } }, '/prices/sim-agent'],
    ['greedy harvest (default mode)', { split: 'val', agentTemperature: 0 }, '/agentTemperature'],
    ['greedy harvest', { mode: 'harvest', agentTemperature: 0 }, '/agentTemperature'],
    ['misspelled field', { ...documented, beamsize: 4 }, ''],
    [
      'unknown field in a price',
      { ...documented, prices: { m: { input: 1, output: 1, cached: 0 } } },
      '/prices/m',
    ],
    ['run id of dots only', { ...documented, id: '..' }, '/id'],
  ];
  for (const [what, input, where] of broken) {
    assert.equal(validate(input), false, `${what}: the schema accepted it`);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    assert.ok(paths.includes(where), `${what}: errors at ${paths.join(', ')}, expected ${where}`);
    assert.equal(workflowAccepts(input), false, `${what}: the workflow accepted it`);
  }
  assert.equal(validate([documented]), false, 'an array is not an input');
});

test('the schema says what the workflow does with unknown fields: they are refused', () => {
  assert.equal(schema.additionalProperties, false);
  assert.doesNotMatch(String(schema.description), /ignored/);
  assert.equal(validate({ split: 'val', beamsize: 4 }), false);
  const extra = (validate.errors ?? []).map(
    (e) => (e.params as { additionalProperty?: string }).additionalProperty,
  );
  assert.deepEqual(extra, ['beamsize']);
});
