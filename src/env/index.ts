// Environments by name. Each is created once per (dataDir, prompts file), so its loaded data and
// built tasks are shared by every caller in the process.
import { UserError } from '../util/errors';
import { createToolwozEnvironment } from './toolwoz';
import type { Environment } from './types';

export interface EnvironmentOptions {
  promptsFile?: string;
}

const FACTORIES: Record<string, (dataDir: string, options: EnvironmentOptions) => Environment> = {
  toolwoz: createToolwozEnvironment,
};

export const ENVIRONMENT_NAMES = Object.keys(FACTORIES);

const cache = new Map<string, Environment>();

export function getEnvironment(name: string, dataDir: string, options: EnvironmentOptions = {}): Environment {
  const factory = FACTORIES[name];
  if (!factory) throw new UserError(`unknown environment "${name}" (known: ${ENVIRONMENT_NAMES.join(', ')})`);
  const key = JSON.stringify([name, dataDir, options.promptsFile ?? null]);
  let env = cache.get(key);
  if (!env) cache.set(key, (env = factory(dataDir, options)));
  return env;
}
