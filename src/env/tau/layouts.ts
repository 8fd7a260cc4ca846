// The three τ environments as data (pure: the registry and workflow code may import it): which
// domain each serves, where its tasks are laid out, and its splits.
export type TauDomain = 'retail' | 'airline';

export interface TauLayout {
  env: string;
  domain: TauDomain;
  /** v1: τ-bench as the JOSH paper's repository ships it; tau2: the τ²-bench layout. */
  layout: 'v1' | 'tau2';
  splits: readonly string[];
  /** JOSH harvests on training tasks; airline ships only its test tasks. */
  defaultSplit: string;
}

export const TAU_LAYOUTS = {
  'tau-retail': {
    env: 'tau-retail',
    domain: 'retail',
    layout: 'v1',
    splits: ['train', 'dev', 'test'],
    defaultSplit: 'train',
  },
  'tau-airline': {
    env: 'tau-airline',
    domain: 'airline',
    layout: 'v1',
    splits: ['test'],
    defaultSplit: 'test',
  },
  'tau2-retail': {
    env: 'tau2-retail',
    domain: 'retail',
    layout: 'tau2',
    splits: ['train', 'test', 'base'],
    defaultSplit: 'train',
  },
} as const satisfies Record<string, TauLayout>;

export type TauEnvName = keyof typeof TAU_LAYOUTS;

export const TAU_ENV_NAMES = Object.keys(TAU_LAYOUTS) as TauEnvName[];
