// The scoring half of each environment, by name, from the registry. Pure and deterministic (no
// Node imports, no data files): the conversation workflow imports it to run the per-turn reward check.
import { environmentPlugin } from './registry';
import type { EnvironmentScoring } from './types';

export function getScoring(name: string): EnvironmentScoring {
  return environmentPlugin(name).scoring;
}
