// Search parameters as a run mode implies them. Kept free of zod (unlike run.ts, which re-exports
// this) because workflow code imports it: the workflow bundle's modules are evaluated anew for every
// workflow execution, agent turns included, and evaluating zod costs each of them milliseconds.

export interface SearchSettings {
  beamSize: number;
  branching: number;
  maxSteps: number;
  maxAgentCallsPerTurn: number;
}

/** Baseline and eval are one rollout (beam 1); a harvest searches with its own beam. */
export function effectiveSearch(c: SearchSettings & { mode: string }): SearchSettings {
  if (c.mode === 'harvest') return c;
  return { ...c, beamSize: 1, branching: 1 };
}
