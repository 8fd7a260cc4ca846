// The registry of environments, pure half: what the run config, its JSON Schema, the CLI and the
// workflows need to know about an environment without loading its data. No Node imports: the
// workflow bundle imports it (through src/config/run.ts and src/env/scoring.ts).
//
// Each environment folder exports its plugin(s) from `src/env/<folder>/plugin.ts` (pure) and its
// node half from `src/env/<folder>/node.ts`; this file and src/env/index.ts list each folder once.
import { tauPlugins } from './tau/plugin';
import { toolwozPlugin } from './toolwoz/plugin';
import type { EnvironmentScoring, UserSimKind } from './types';

export interface EnvironmentPlugin {
  /** The name a run config's `env` takes (letters, digits, `-`). */
  name: string;
  /** One line for the CLI's help and the docs. */
  description: string;
  /** The split names `josh tasks --split` and a run's `split` accept, in a sensible order. */
  splits: readonly string[];
  /** The split a run takes when its config names none. */
  defaultSplit: string;
  /** The user simulators it supports (`userSim`); the first is the environment's own default. */
  userSimKinds: readonly UserSimKind[];
  /** The pure per-turn reward (run by the conversation workflow). */
  scoring: EnvironmentScoring;
  /** The result file's base name for a task id (no directory, no `.json`): safe on every file system
   * and one-to-one with task ids, so two tasks never share a file. */
  taskFileName(taskId: string): string;
}

/** A name as a file name: itself when made of letters, digits, `-` and `_`; otherwise every other
 * character as `%XX` of its UTF-8 bytes, so distinct names never share a file and none leaves its
 * directory. */
export function safeFileName(name: string): string {
  return encodeURIComponent(name).replace(
    /[.!~*'()]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The environment a run takes when its config names none. */
export const DEFAULT_ENV = 'toolwoz';

// One entry per environment folder; the order is the order the CLI's help lists them.
const PLUGINS: readonly EnvironmentPlugin[] = [toolwozPlugin, ...tauPlugins];

const byName = new Map(PLUGINS.map((p) => [p.name, p]));
if (byName.size !== PLUGINS.length) throw new Error('two environments registered under one name');
if (!byName.has(DEFAULT_ENV)) throw new Error(`the default environment ${DEFAULT_ENV} is not registered`);

/** Every registered environment's name, the default first. */
export const ENVIRONMENT_NAMES: readonly [string, ...string[]] = [
  DEFAULT_ENV,
  ...PLUGINS.map((p) => p.name).filter((n) => n !== DEFAULT_ENV),
];

/** Thrown for an environment name nothing registered. (Not a UserError: this file is workflow code;
 * the CLI and the run config check names against ENVIRONMENT_NAMES first.) */
export class UnknownEnvironmentError extends Error {
  constructor(readonly envName: string) {
    super(`unknown environment "${envName}" (known: ${ENVIRONMENT_NAMES.join(', ')})`);
    this.name = 'UnknownEnvironmentError';
  }
}

export function isEnvironmentName(name: string): boolean {
  return byName.has(name);
}

export function environmentPlugin(name: string): EnvironmentPlugin {
  const plugin = byName.get(name);
  if (!plugin) throw new UnknownEnvironmentError(name);
  return plugin;
}

export function environmentPlugins(): readonly EnvironmentPlugin[] {
  return PLUGINS;
}
