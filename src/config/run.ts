// The one definition of a run's input: the CLI, the typed client API, `temporal workflow start`
// JSON and the harvest workflow all use this schema. Secrets are never part of it: API keys live
// only in the worker's environment.
import { z } from 'zod';
import { DEFAULT_ENV, ENVIRONMENT_NAMES, environmentPlugin, isEnvironmentName } from '../env/registry';

export const RUN_MODES = ['harvest', 'baseline', 'eval'] as const;

/** How each agent turn runs (issue 17): a child workflow of the conversation (the design's shape,
 * the default), or activity work of the conversation workflow itself (fewer Temporal actions per
 * model call). Both produce the same data for the same seed. */
export const TURN_SHAPES = ['child', 'activity'] as const;
export type TurnShape = (typeof TURN_SHAPES)[number];

/** Levenshtein distance: single-character insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** The known name a mistyped one most likely meant: the same but for case (or `-`/`_`), else the
 * nearest by edit distance if close enough, else the only one that starts or ends with it. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const key = fold(name);
  const same = known.find((k) => fold(k) === key);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key, fold(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best !== undefined || key.length < 3) return best;
  const containing = known.filter((k) => fold(k).startsWith(key) || fold(k).endsWith(key));
  return containing.length === 1 ? containing[0] : undefined;
}

/** One line, whatever the name holds (it comes from someone's input). */
function unknownFieldMessage(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  const shown = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return `unknown field '${shown}'${near !== undefined ? ` (did you mean '${near}'?)` : ''}`;
}

/** An object that refuses fields it does not know (a typo must not silently fall back to a
 * default), naming each with the nearest known one; JSON Schema `additionalProperties: false`. */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((k) => unknownFieldMessage(k, known)).join('\n')
        : undefined,
  });
}

export const SearchParams = z.object({
  beamSize: z.number().int().min(1).max(64).default(8),
  branching: z.number().int().min(1).max(8).default(2),
  maxSteps: z.number().int().min(1).max(100).default(15),
  maxAgentCallsPerTurn: z.number().int().min(1).max(20).default(3),
});

export const ModelParams = z.object({
  /** Model names; '' means the worker's default (the simulated model when no endpoint is set). */
  agentModel: z.string().default('sim-agent'),
  userModel: z.string().default('sim-user'),
  /** JOSH needs sampling for diversity; 0 is refused for harvests (see refine below). */
  agentTemperature: z.number().min(0).max(2).default(1.0),
  userSim: z.enum(['goal', 'guide', 'script']).default('goal'),
  agentStrategy: z.enum(['function-calling', 'react']).default('function-calling'),
});

/** A run's settings. Strict: a field it does not know is refused with the nearest known one named,
 * never dropped (a misspelled `beamsize` would run at the default beam). What the product stores —
 * manifests, the workflow's memo, a schedule's action args — is a parsed config, which parses again. */
export const RunConfig = strictObject({
  /** Run id: workflow id of the harvest/eval, run directory name, seed root. */
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
    // `.` and `..` name the runs root and the directory above it, not a run directory of its own.
    .regex(/^(?!\.+$)/, "not only dots: '.' and '..' are directory names"),
  mode: z.enum(RUN_MODES).default('harvest'),
  /** Root of every agent sampling seed; default the run id. Two runs with the same seed and
   * settings produce the same transcripts (the simulated model is deterministic per seed). */
  seed: z.string().min(1).max(200).optional(),
  env: z
    .enum(ENVIRONMENT_NAMES)
    .default(DEFAULT_ENV)
    .describe(`The environment (registered in src/env/registry.ts): ${ENVIRONMENT_NAMES.join(', ')}.`),
  // Its default depends on `env` (filled in below); typed as always present after parsing.
  split: (z.string().optional() as unknown as z.ZodDefault<z.ZodString>).describe(
    `Task split. Default: the environment's default split (${ENVIRONMENT_NAMES.map((n) => `${n}: ${environmentPlugin(n).defaultSplit}`).join(', ')}).`,
  ),
  /** Explicit task ids; otherwise the split from `start`, at most `limit`. */
  taskIds: z.array(z.string().min(1)).min(1).optional(),
  start: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).optional(),
  includeUnsolvable: z.boolean().default(false),
  /** Evaluation trials per task (pass^k); harvests use 1. */
  trials: z.number().int().min(1).max(32).default(1),
  concurrency: z.number().int().min(1).max(1000).default(8),
  turns: z
    .enum(TURN_SHAPES)
    .default('child')
    .describe(
      'How each agent turn runs: "child" (default) as a child workflow of the conversation, ' +
        'one per branching turn, each visible in the Web UI; "activity" as activity work of the ' +
        'conversation workflow (fewer Temporal actions and less orchestration CPU per model call). ' +
        'Both give the same transcripts for the same seed.',
    ),
  /** Stop starting conversations once this many LLM calls were made (a budget). */
  maxLlmCalls: z.number().int().min(1).optional(),
  /** Where result files go, as the worker sees it (a shared volume across machines). */
  outDir: z.string().min(1).optional(),
  /** USD per 1M tokens, for a cost estimate. */
  prices: z
    .record(z.string(), strictObject({ input: z.number().min(0), output: z.number().min(0) }))
    .optional(),
  ...SearchParams.shape,
  ...ModelParams.shape,
})
  // A split left out is the environment's default split (zod defaults cannot see other fields).
  .overwrite((c) =>
    c.split === undefined && isEnvironmentName(c.env)
      ? { ...c, split: environmentPlugin(c.env).defaultSplit }
      : c,
  )
  .superRefine((c, ctx) => {
    const kinds = isEnvironmentName(c.env) ? environmentPlugin(c.env).userSimKinds : [c.userSim];
    if (!kinds.includes(c.userSim)) {
      ctx.addIssue({
        code: 'custom',
        path: ['userSim'],
        message: `environment ${c.env} has no "${c.userSim}" user simulator (it has ${kinds.join(', ')})`,
      });
    }
    if (c.mode === 'harvest' && c.agentTemperature === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['agentTemperature'],
        message: 'JOSH needs a sampling agent: temperature 0 gives identical branches',
      });
    }
  });

export type RunConfigInput = z.input<typeof RunConfig>;
export type RunConfig = z.output<typeof RunConfig>;

/** Search parameters as a run mode implies them (zod-free, for workflow code). */
export { effectiveSearch } from './search';

/** Which tasks a run covers: the input of task resolution (the CLI's pre-check and the workflow). */
export function taskSelection(c: RunConfig) {
  const { env, split, taskIds, start, limit, includeUnsolvable } = c;
  return { env, split, taskIds, start, limit, includeUnsolvable };
}

/** One problem of an input: the field's path, and what is wrong there. */
export interface InputIssue {
  path: PropertyKey[];
  message: string;
  /** The field itself is not known (its path ends with its name). */
  unknownField: boolean;
}

/** A zod error's issues, one per problem: each unknown field is one, at its own path. */
export function inputIssues(err: z.ZodError): InputIssue[] {
  return err.issues.flatMap((i): InputIssue[] => {
    if (i.code !== 'unrecognized_keys') return [{ path: i.path, message: i.message, unknownField: false }];
    // Our strict objects say one line per field, in the order of `keys`; zod's own message is one.
    const lines = i.message.split('\n');
    if (lines.length !== i.keys.length) return [{ path: i.path, message: i.message, unknownField: false }];
    return i.keys.map((k, n) => ({ path: [...i.path, k], message: lines[n], unknownField: true }));
  });
}

/** `where: field: expectation`, or `where: unknown field 'x' (did you mean 'y'?)`. */
export function formatIssue(where: string, i: InputIssue): string {
  const at = i.unknownField ? i.path.slice(0, -1) : i.path;
  if (i.unknownField) return `${where}: ${at.length ? `${at.join('.')}: ` : ''}${i.message}`;
  return `${where}: ${at.length ? at.join('.') : '(root)'}: ${i.message}`;
}

/** Format zod issues as one line per problem: `where: field: expectation`. */
export function formatZodError(where: string, err: z.ZodError): string {
  return inputIssues(err)
    .map((i) => formatIssue(where, i))
    .join('\n');
}
