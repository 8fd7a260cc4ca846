// `npm run schema`: writes schema/run-config.schema.json, the JSON Schema of the harvest workflow's
// input, generated from the zod RunConfig — the contract for starting runs from any language.
// `test/schema-input.test.ts` fails when the committed file is not what this script writes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { z } from 'zod';
import { RunConfig } from '../src/config/run';
import { HARVEST_WORKFLOW_TYPE } from '../src/shared/harvestApi';
import { MAIN_TASK_QUEUE } from '../src/shared/taskQueues';

export const SCHEMA_FILE = path.resolve(__dirname, '..', 'schema', 'run-config.schema.json');

type JsonObject = Record<string, unknown>;

export function runConfigJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(RunConfig, { io: 'input', target: 'draft-2020-12' }) as JsonObject;
  const { $schema, ...rest } = generated;
  const properties = rest.properties as Record<string, JsonObject>;
  // The workflow fills in a missing id with its workflow id (what schedules and `temporal
  // workflow start --workflow-id` rely on), so the workflow input may leave it out.
  // zod writes the id's two patterns (its alphabet; not only dots) as an allOf: one pattern reads
  // better in other languages' tooling. The second is a lookahead anchored at the start.
  const { allOf: idPatterns, ...id } = properties.id as { allOf?: { pattern: string }[] };
  const [alphabet, notOnlyDots] = (idPatterns ?? []).map((p) => p.pattern);
  if (idPatterns?.length !== 2 || !alphabet.startsWith('^') || !/^\^\(\?!.*\)$/.test(notOnlyDots)) {
    throw new Error(`unexpected id patterns in the generated schema: ${JSON.stringify(idPatterns)}`);
  }
  properties.id = {
    ...id,
    pattern: notOnlyDots + alphabet.slice(1),
    description:
      'Run id (run directory name, seed root, child workflow id prefix). Default: the workflow id.',
  };
  const required = ((rest.required as string[] | undefined) ?? []).filter((k) => k !== 'id');
  return {
    $schema,
    $id: 'urn:josh-harvest:run-config',
    title: 'josh-harvest run config',
    description:
      `Input of the \`${HARVEST_WORKFLOW_TYPE}\` workflow on task queue \`${MAIN_TASK_QUEUE}\` ` +
      '(a harvest, baseline or eval run). Generated from src/config/run.ts by `npm run schema`; ' +
      'an unknown field is refused (the workflow fails with a non-retryable BadRunInput naming it).',
    ...rest,
    ...(required.length ? { required } : { required: undefined }),
    // The zod schema's refinement in JSON Schema terms: a harvest needs a sampling agent (at
    // temperature 0 every branch is the same). `properties` holds when `mode` is absent, and
    // harvest is the default mode, so this also covers inputs without one.
    allOf: [
      {
        if: { properties: { mode: { const: 'harvest' } } },
        then: { properties: { agentTemperature: { not: { const: 0 } } } },
      },
    ],
  };
}

/** The file's exact text, formatted as the repo's prettier config formats it. */
export async function runConfigSchemaText(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(runConfigJsonSchema(), null, 2), { ...options, parser: 'json' });
}

async function main(): Promise<void> {
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, await runConfigSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
