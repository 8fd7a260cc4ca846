// The scoring half of each environment, by name. Pure and deterministic (no Node imports, no data
// files): the conversation workflow imports it to run the per-turn reward check.
import { toolwozScoring } from './toolwoz/scoring';
import type { EnvironmentScoring } from './types';

const SCORING: Record<string, EnvironmentScoring> = { toolwoz: toolwozScoring };

export function getScoring(name: string): EnvironmentScoring {
  const scoring = SCORING[name];
  if (!scoring) throw new Error(`unknown environment "${name}" (known: ${Object.keys(SCORING).join(', ')})`);
  return scoring;
}
