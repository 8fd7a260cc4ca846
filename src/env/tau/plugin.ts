// The three τ environments' plugins, pure half (workflow-safe: no Node imports, no data): what the
// registry, run config and CLI need to know without loading anything.
import type { EnvironmentPlugin } from '../registry';
import { TAU_ENV_NAMES, TAU_LAYOUTS, type TauEnvName } from './layouts';
import { tauScoring } from './scoring';
import { TAU_USER_SIM_KINDS } from './usersim';

const DESCRIPTIONS: Record<TauEnvName, string> = {
  'tau-retail':
    'τ-bench retail (the JOSH paper’s copy): orders, returns, exchanges; tasks train-N, dev-N, test-N',
  'tau-airline': 'τ-bench airline (the JOSH paper’s copy): flight reservations; tasks test-N',
  'tau2-retail': 'τ²-bench retail: the retail tools on τ²’s database and tasks; ids as in its tasks.json',
};

/** A task id as a file name: itself when it is made of letters, digits, `-` and `_` (every id the
 * data has today); otherwise each other character as `%XX` of its UTF-8 bytes, so distinct ids never
 * share a file and no id escapes the run directory. */
export function tauTaskFileName(taskId: string): string {
  // encodeURIComponent leaves letters, digits and -_.!~*'() as they are; the last six are encoded too.
  return encodeURIComponent(taskId).replace(
    /[.!~*'()]/g,
    (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase(),
  );
}

export const tauPlugins: readonly EnvironmentPlugin[] = TAU_ENV_NAMES.map((name) => ({
  name,
  description: DESCRIPTIONS[name],
  splits: TAU_LAYOUTS[name].splits,
  defaultSplit: TAU_LAYOUTS[name].defaultSplit,
  userSimKinds: TAU_USER_SIM_KINDS,
  scoring: tauScoring,
  taskFileName: tauTaskFileName,
}));
