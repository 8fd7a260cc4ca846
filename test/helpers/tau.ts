// Facts about the τ-bench data that several test files check, and the `josh score` input a task
// list becomes (its gold actions as the calls, optionally its outputs as one agent message).
import * as fs from 'node:fs';

/** Tasks per split, as issue 13 states them. */
export const TAU_SPLIT_COUNTS = [
  ['tau-retail', 'train', 500],
  ['tau-retail', 'dev', 20],
  ['tau-retail', 'test', 115],
  ['tau-airline', 'test', 50],
  ['tau2-retail', 'train', 74],
  ['tau2-retail', 'test', 40],
  ['tau2-retail', 'base', 114],
] as const;

export interface GoldTask {
  id: string;
  goalCalls: { name: string; parameters: object }[];
  outputs?: string[];
}

/** One `josh score` input line per task: its gold calls, and its outputs said when `sayOutputs`. */
export function writeGoldCalls(file: string, tasks: readonly GoldTask[], sayOutputs: boolean): void {
  const line = (t: GoldTask) => {
    const said = sayOutputs
      ? { messages: t.outputs?.length ? [`Here you go: ${t.outputs.join(' and ')}.`] : [] }
      : {};
    return JSON.stringify({
      id: t.id,
      calls: t.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters })),
      ...said,
    });
  };
  fs.writeFileSync(file, tasks.map(line).join('\n') + '\n');
}
