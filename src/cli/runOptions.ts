// The flags shared by `harvest`, `eval` and `demo`, mapped onto the one run-config schema.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { RunConfig, TURN_SHAPES, formatIssue, inputIssues, type RunConfigInput } from '../config/run';
import { DEFAULT_ENV, ENVIRONMENT_NAMES, environmentPlugin, isEnvironmentName } from '../env/registry';
import { UserError } from '../util/errors';
import { boundsOf, idListArg, numberArg, wholeNumberArg } from './argParsers';
import type { PriceTable } from '../shared/cost';
import { loadModelsFile, modelsFilePrices } from '../config/models';

/** A whole-number flag for a run-config field: the message names the flag and the field's range. */
const int = (flag: string, field: keyof typeof RunConfig.shape) =>
  wholeNumberArg(flag, boundsOf(RunConfig.shape[field]));

export function addRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--config <file>',
      'run settings from a JSON or YAML file (the harvest input, schema/run-config.schema.json); flags override it',
    )
    .addOption(
      new Option('--env <name>', `environment (default ${DEFAULT_ENV})`).choices([...ENVIRONMENT_NAMES]),
    )
    .option(
      '--split <split>',
      `task split (default: the environment's; ${ENVIRONMENT_NAMES.map((n) => `${n}: ${environmentPlugin(n).splits.join(', ')}`).join('; ')})`,
    )
    .option('--tasks <ids>', 'comma-separated task ids (instead of a split window)')
    .option('--start <i>', 'first task of the split window', int('--start', 'start'))
    .option('--limit <n>', 'number of tasks', int('--limit', 'limit'))
    .option('--include-unsolvable', 'also run tasks that their own goal calls cannot solve')
    .option('--beam <n>', 'beam size', int('--beam', 'beamSize'))
    .option('--branching <n>', 'children per expanded leaf', int('--branching', 'branching'))
    .option('--max-steps <n>', 'search steps per conversation', int('--max-steps', 'maxSteps'))
    .option(
      '--max-agent-calls <n>',
      'LLM calls per agent turn',
      int('--max-agent-calls', 'maxAgentCallsPerTurn'),
    )
    .option('--agent-model <m>', 'agent model name')
    .option('--user-model <m>', 'user-simulator model name')
    .option('--agent-temperature <t>', 'agent sampling temperature', numberArg('--agent-temperature'))
    .addOption(new Option('--user-sim <kind>', 'user simulator').choices(['goal', 'guide', 'script']))
    .addOption(new Option('--agent-strategy <s>', 'agent protocol').choices(['function-calling', 'react']))
    .option('--concurrency <n>', 'conversations at once', int('--concurrency', 'concurrency'))
    .addOption(
      new Option(
        '--turns <shape>',
        'how each agent turn runs: child (a child workflow each, the default) or activity (activity work of the conversation; less CPU per model call)',
      ).choices([...TURN_SHAPES]),
    )
    .option(
      '--max-llm-calls <n>',
      'stop starting conversations after this many LLM calls',
      int('--max-llm-calls', 'maxLlmCalls'),
    )
    .option('--id <id>', 'run id (rerun with the same id to resume or attach)')
    .option('--seed <s>', 'sampling seed root (default: the run id); same seed, same transcripts')
    .option('--out <dir>', 'run directory (default runs/<id>)')
    .option('--data-dir <dir>', 'data directory (default $JOSH_DATA_DIR, ./data, or ../shared)')
    .option('--worker', 'also run a worker in this process when TEMPORAL_ADDRESS is set')
    .option(
      '--prices <file>',
      'price table JSON {model: {input, output}} in USD per 1M tokens, for a cost estimate',
    )
    .option('--task-queue <name>', 'task queue of the workers that run it (default josh)')
    .option(
      '--prompts <file>',
      'prompts file replacing the built-in prompts (in-process worker; JOSH_PROMPTS_FILE)',
    )
    .option(
      '--models <file>',
      'models file: endpoint, key variable, prices per model name (in-process worker; JOSH_MODELS_FILE)',
    )
    .option('--address <host:port>', 'Temporal address (default: an embedded local server)')
    .option('--namespace <ns>', 'Temporal namespace');
}

export interface RunFlags {
  config?: string;
  env?: string;
  split?: string;
  tasks?: string;
  start?: number;
  limit?: number;
  includeUnsolvable?: boolean;
  beam?: number;
  branching?: number;
  maxSteps?: number;
  maxAgentCalls?: number;
  agentModel?: string;
  userModel?: string;
  agentTemperature?: number;
  userSim?: string;
  agentStrategy?: string;
  concurrency?: number;
  turns?: string;
  maxLlmCalls?: number;
  id?: string;
  seed?: string;
  out?: string;
  dataDir?: string;
  worker?: boolean;
  taskQueue?: string;
  prompts?: string;
  models?: string;
  prices?: string;
  address?: string;
  namespace?: string;
  trials?: number;
}

function readPrices(file: string): PriceTable {
  try {
    // Shape-checked by the RunConfig schema right after.
    return JSON.parse(fs.readFileSync(file, 'utf8')) as PriceTable;
  } catch (e) {
    throw new UserError(`--prices ${file}: ${(e as Error).message}`);
  }
}

/** The run's price table: a models file's prices (--models, else JOSH_MODELS_FILE), overridden by
 * --prices; the built-in table (src/shared/cost.ts) fills in common hosted models at use. Kept in
 * the run config, so a resumed run keeps them. */
function runPrices(flags: RunFlags): { prices?: PriceTable } {
  const modelsFile = flags.models ?? (process.env.JOSH_MODELS_FILE || undefined);
  const fromModels = modelsFile
    ? modelsFilePrices(loadModelsFile(modelsFile, process.env, { keys: false }))
    : {};
  const given = flags.prices !== undefined ? readPrices(flags.prices) : undefined;
  if (!given && Object.keys(fromModels).length === 0) return {};
  return { prices: { ...fromModels, ...given } };
}

export function defaultRunId(prefix: string, now = new Date()): string {
  return `${prefix}-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

/** `--config FILE`: a RunConfig as JSON or YAML (YAML 1.2 reads JSON too). Its fields, unknown
 * ones included, are checked by the one strict RunConfig parse with the rest of the run options. */
export function readRunConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new UserError(`--config ${file}: ${why}`);
  }
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (e) {
    // The parser's first line says what and where: "... at line 2, column 3:".
    const first = (e as Error).message.split('\n')[0].replace(/:$/, '');
    throw new UserError(`--config ${file}: not valid YAML or JSON: ${first}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got =
      value === null || value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : `${typeof value}`;
    throw new UserError(
      `--config ${file}: expected run settings as key: value pairs (e.g. beamSize: 4), got ${got}`,
    );
  }
  return value as Record<string, unknown>;
}

export function runConfigFromFlags(
  flags: RunFlags,
  mode: RunConfig['mode'],
  defaults: Partial<RunConfigInput> = {},
): RunConfig {
  const file = flags.config ? readRunConfigFile(flags.config) : {};
  if (file.mode !== undefined && file.mode !== mode) {
    throw new UserError(
      `${flags.config}: mode: "${String(file.mode)}", but this command runs mode "${mode}"`,
    );
  }
  // A baseline is one rollout per task (effectiveSearch): a --beam or --branching given with it was
  // recorded in harvest.json but never used. (A config file's search settings are kept: one file
  // may serve a harvest and its baseline. An eval ignores both flags, as docs/evaluation.md says.)
  if (mode === 'baseline') {
    const given =
      flags.beam !== undefined
        ? `--beam ${flags.beam}`
        : flags.branching !== undefined
          ? `--branching ${flags.branching}`
          : null;
    if (given) {
      throw new UserError(
        `${given}: --baseline runs one rollout per task (beam 1); leave it out, or drop --baseline`,
      );
    }
  }
  const fromFlags: Partial<RunConfigInput> = {
    ...(flags.id !== undefined && { id: flags.id }),
    ...(flags.env !== undefined && { env: flags.env }),
    ...(flags.split !== undefined && { split: flags.split }),
    ...(flags.tasks !== undefined && {
      taskIds: idListArg('--tasks')(flags.tasks),
    }),
    ...(flags.start !== undefined && { start: flags.start }),
    ...(flags.limit !== undefined && { limit: flags.limit }),
    ...(flags.includeUnsolvable && { includeUnsolvable: true }),
    ...(flags.beam !== undefined && { beamSize: flags.beam }),
    ...(flags.branching !== undefined && { branching: flags.branching }),
    ...(flags.maxSteps !== undefined && { maxSteps: flags.maxSteps }),
    ...(flags.maxAgentCalls !== undefined && { maxAgentCallsPerTurn: flags.maxAgentCalls }),
    ...(flags.agentModel !== undefined && { agentModel: flags.agentModel }),
    ...(flags.userModel !== undefined && { userModel: flags.userModel }),
    ...(flags.agentTemperature !== undefined && { agentTemperature: flags.agentTemperature }),
    ...(flags.userSim !== undefined && { userSim: flags.userSim as 'goal' }),
    ...(flags.agentStrategy !== undefined && { agentStrategy: flags.agentStrategy as 'react' }),
    ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
    ...(flags.turns !== undefined && { turns: flags.turns as RunConfig['turns'] }),
    ...(flags.maxLlmCalls !== undefined && { maxLlmCalls: flags.maxLlmCalls }),
    ...(flags.trials !== undefined && { trials: flags.trials }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
    ...runPrices(flags),
    ...(flags.out !== undefined && { outDir: path.resolve(flags.out) }),
  };
  const fromFile = { ...file } as Partial<RunConfigInput>;
  if (typeof fromFile.outDir === 'string') fromFile.outDir = path.resolve(fromFile.outDir);
  const { split: defaultSplit, ...otherDefaults } = defaults;
  const env = fromFlags.env ?? fromFile.env ?? defaults.env ?? DEFAULT_ENV;
  // A command's default split (harvest: val, eval: test) holds where the environment has that
  // split; elsewhere the run config fills in the environment's own default split.
  const keepDefaultSplit =
    defaultSplit !== undefined &&
    isEnvironmentName(env) &&
    environmentPlugin(env).splits.includes(defaultSplit);
  const input: RunConfigInput = {
    ...otherDefaults,
    ...(keepDefaultSplit && { split: defaultSplit }),
    ...fromFile,
    ...fromFlags,
    id: fromFlags.id ?? fromFile.id ?? defaults.id ?? defaultRunId(mode),
    mode,
  };
  const parsed = RunConfig.safeParse(input);
  if (!parsed.success) {
    // Name where each bad value came from: the config file, or the flags.
    const inFile = (key: PropertyKey | undefined) =>
      flags.config !== undefined && key !== undefined && key in file && !(key in fromFlags);
    const lines = inputIssues(parsed.error).map((issue) =>
      formatIssue(inFile(issue.path[0]) ? flags.config! : 'run options', issue),
    );
    throw new UserError(lines.join('\n'));
  }
  return parsed.data;
}
