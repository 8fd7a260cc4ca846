// The registry of environments, node half: how to build each one from a data directory, how to
// tell whether a directory holds its data, which files it reads (the dataset version), and the
// optional data fetcher and prompts-file support. The pure half (names, splits, scoring, file
// names) is src/env/registry.ts. Each environment is created once per (dataDir, prompts file), so
// its loaded data and built tasks are shared by every caller in the process.
import { UserError } from '../util/errors';
import {
  DEFAULT_ENV,
  ENVIRONMENT_NAMES,
  environmentPlugin,
  isEnvironmentName,
  type EnvironmentPlugin,
} from './registry';
import { tauNodes } from './tau';
import { toolwozNode } from './toolwoz';
import type { AgentStrategy, Environment, ToolSchema } from './types';

export { DEFAULT_ENV, ENVIRONMENT_NAMES, environmentPlugin, type EnvironmentPlugin } from './registry';

export interface EnvironmentOptions {
  promptsFile?: string;
}

/** A worker's prompts, read once: what a run records of them (provenance). */
export interface PromptsSource {
  /** The prompts file as the worker was given it, or null for the built-in prompts. */
  file: string | null;
  /** The exact text: the file as read, or the built-in prompts rendered as a prompts file. */
  text: string;
  format: 'json' | 'yaml';
  /** Content hash of the effective prompts (the same prompts give the same hash, whatever the layout). */
  hash: string;
}

/** An environment's prompts-file support: a worker's `--prompts FILE` replaces its prompts. */
export interface PromptsSupport {
  /** The effective prompts from a file (or the built-ins), read once per process and file. Throws
   * a UserError for a file that is not a prompts file of this environment. */
  source(file?: string): PromptsSource;
  /** A run's recorded prompts text, parsed: its hash and the agent's system prompt it gives
   * (exports build system prompts from what the run recorded, not from today's prompts). */
  recorded(
    file: string,
    text: string,
  ): {
    hash: string;
    agentSystemPrompt(strategy: AgentStrategy, tools: ToolSchema[]): string;
  };
}

export interface FetchReport {
  downloaded: string[];
  kept: string[];
}

export interface FetchOptions {
  baseUrl?: string;
  /** Check published checksums of what is downloaded. */
  verifyPublished?: boolean;
  /** Give up on a download after this long without data from the server. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface EnvironmentNodePlugin {
  name: string;
  create(dataDir: string, options: EnvironmentOptions): Environment;
  /** Whether a directory holds this environment's data (resolveDataDir's development probe). */
  probe(dataDir: string): boolean;
  /** Every file it reads from a data directory: the dataset version is their hash. */
  dataFiles(dataDir: string): string[];
  /** `josh data fetch`: downloads its public data into a directory. */
  fetch?: (dataDir: string, options: FetchOptions) => Promise<FetchReport>;
  /** Prompts-file support; without it the environment's prompts are built in. */
  prompts?: PromptsSupport;
}

// One entry per environment folder (its index.ts exports its node plugins), as in registry.ts.
const NODE_PLUGINS: readonly EnvironmentNodePlugin[] = [toolwozNode, ...tauNodes];

const nodeByName = new Map(NODE_PLUGINS.map((p) => [p.name, p]));
for (const name of ENVIRONMENT_NAMES) {
  if (!nodeByName.has(name)) throw new Error(`environment ${name} has no node plugin`);
}
for (const p of NODE_PLUGINS) environmentPlugin(p.name); // every node plugin has a pure half

/** The node half of a registered environment; a UserError (naming the known ones) otherwise. */
export function environmentNode(name: string): EnvironmentNodePlugin {
  const plugin = nodeByName.get(name);
  if (!plugin || !isEnvironmentName(name)) {
    throw new UserError(`unknown environment "${name}" (known: ${ENVIRONMENT_NAMES.join(', ')})`);
  }
  return plugin;
}

export function environmentNodes(): readonly EnvironmentNodePlugin[] {
  return NODE_PLUGINS;
}

const cache = new Map<string, Environment>();

export function getEnvironment(name: string, dataDir: string, options: EnvironmentOptions = {}): Environment {
  const node = environmentNode(name);
  const key = JSON.stringify([name, dataDir, options.promptsFile ?? null]);
  let env = cache.get(key);
  if (!env) cache.set(key, (env = node.create(dataDir, options)));
  return env;
}

/** What checkEnvironmentData loaded. */
export interface EnvironmentDataCheck {
  env: string;
  /** The split whose tasks were loaded (the one asked for, or the environment's default). */
  split: string;
  tasks: number;
  tools: number;
}

/** Loads and validates, now, every data file a run of `envName` on `split` (default: the
 * environment's default split) reads from `dataDir`: the tool schemas, the agent's system prompt
 * for each strategy (τ-bench's policy.md; with `promptsFile`, that prompts file), the database,
 * and the split's tasks. Each is read as a run would read it, so a missing, malformed or empty
 * file is the same one-line UserError, said before a run starts rather than by an activity that
 * retries it. An unknown environment or split is a UserError too. What it loads stays loaded: the
 * environment is the one getEnvironment caches for the process. It does not replay the tasks' gold
 * actions (a task may legitimately be unsolvable). */
export function checkEnvironmentData(
  envName: string,
  dataDir: string,
  options: EnvironmentOptions & { split?: string } = {},
): EnvironmentDataCheck {
  const plugin = environmentPlugin(environmentNode(envName).name);
  const env = getEnvironment(envName, dataDir, { promptsFile: options.promptsFile });
  const split = options.split ?? plugin.defaultSplit;
  const tools = env.tools();
  if (tools.length === 0) throw new UserError(`${envName} in ${dataDir}: the data offers no tools`);
  for (const strategy of ['function-calling', 'react'] as const) env.agentSystemPrompt(strategy);
  env.loadData?.();
  const tasks = env.listTasks(split);
  if (tasks.length === 0) throw new UserError(`${envName} in ${dataDir}: the ${split} split has no tasks`);
  return { env: envName, split, tasks: tasks.length, tools: tools.length };
}

/** The environments whose data a directory holds, in registry order. */
export function environmentsIn(dataDir: string): string[] {
  return NODE_PLUGINS.filter((p) => p.probe(dataDir)).map((p) => p.name);
}

/** The environment whose prompt set a worker's prompts file is: one prompts file per worker, the
 * default environment's (the one that supports prompts files today); the run records it. */
export function workerPromptsEnv(): { env: string; support: PromptsSupport } {
  const support = environmentNode(DEFAULT_ENV).prompts;
  if (!support) throw new Error(`the default environment ${DEFAULT_ENV} has no prompts support`);
  return { env: DEFAULT_ENV, support };
}

/** The prompts a worker runs with (read once per process and file). */
export function workerPromptsSource(promptsFile?: string): PromptsSource {
  return workerPromptsEnv().support.source(promptsFile);
}

/** The pure registry entry's fields the CLI shows, for help text. */
export function describeEnvironments(): string {
  return ENVIRONMENT_NAMES.map((n) => {
    const p: EnvironmentPlugin = environmentPlugin(n);
    return `${n} (splits ${p.splits.join(', ')}; default ${p.defaultSplit})`;
  }).join('; ');
}
