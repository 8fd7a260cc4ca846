// `josh compare`: two runs paired on their shared (task, trial) keys. Each delta is B − A with a
// paired bootstrap interval and p-value, resampling tasks (a task's trials move together).
import { UserError } from '../util/errors';
import { outcomeKey, type ConversationOutcome } from './load';
import { groupByTask } from './metrics';
import {
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  mean,
  pairedBootstrap,
  type BootstrapOptions,
  type PairedTest,
} from './stats';

export interface RunSide {
  label: string;
  runId: string;
  mode: string;
  /** Task ids name different tasks in two environments (test-0 of retail and of airline). */
  env: string;
  split: string;
  agentModel: string;
  agentTemperature: number;
  /** Set when the run's files are not the whole run (src/export/load.ts unfinishedNote). */
  unfinished: string | null;
  conversations: readonly ConversationOutcome[];
}

export interface MetricComparison {
  a: number;
  b: number;
  /** B − A. */
  delta: PairedTest;
}

export interface Comparison {
  version: 1;
  a: Omit<RunSide, 'conversations'> & { conversations: number };
  b: Omit<RunSide, 'conversations'> & { conversations: number };
  shared: { pairs: number; tasks: number };
  onlyA: number;
  onlyB: number;
  bootstrap: { resamples: number; level: number; seed: string; unit: 'task' };
  success: MetricComparison;
  reward: MetricComparison;
  warnings: string[];
}

export function compareRuns(a: RunSide, b: RunSide, boot: BootstrapOptions = {}): Comparison {
  const opts = {
    resamples: boot.resamples ?? DEFAULT_RESAMPLES,
    level: boot.level ?? DEFAULT_LEVEL,
    seed: boot.seed ?? DEFAULT_SEED,
  };
  if (a.env !== b.env) {
    throw new UserError(
      `${a.label} (${a.runId}) is a ${a.env} run and ${b.label} (${b.runId}) a ${b.env} run: ` +
        'their task ids name different tasks, so there is nothing to pair',
    );
  }
  const bByKey = new Map(b.conversations.map((c) => [outcomeKey(c), c]));
  const pairs = a.conversations.flatMap((ca) => {
    const cb = bByKey.get(outcomeKey(ca));
    return cb ? [{ taskId: ca.taskId, a: ca, b: cb }] : [];
  });
  if (pairs.length === 0) {
    throw new UserError(
      `${a.label} and ${b.label} share no (task, trial) pair: nothing to compare ` +
        `(${a.runId}: ${a.split}, ${b.runId}: ${b.split})`,
    );
  }
  const byTask = [...groupByTask(pairs).values()];
  const metric = (value: (c: ConversationOutcome) => number): MetricComparison => ({
    a: mean(pairs.map((p) => value(p.a))),
    b: mean(pairs.map((p) => value(p.b))),
    delta: pairedBootstrap(
      byTask.map((g) => g.map((p) => value(p.b) - value(p.a))),
      opts,
    ),
  });
  const warnings: string[] = [];
  if (a.mode !== b.mode) {
    warnings.push(
      `modes differ (${a.mode} vs ${b.mode}): a harvest's reward is JOSH's progress reward, not the whole-conversation metric`,
    );
  }
  if (a.split !== b.split) warnings.push(`splits differ (${a.split} vs ${b.split})`);
  for (const side of [a, b]) if (side.unfinished) warnings.push(`${side.label}: ${side.unfinished}`);
  const { conversations: ca, ...restA } = a;
  const { conversations: cb, ...restB } = b;
  return {
    version: 1,
    a: { ...restA, conversations: ca.length },
    b: { ...restB, conversations: cb.length },
    shared: { pairs: pairs.length, tasks: byTask.length },
    onlyA: ca.length - pairs.length,
    onlyB: cb.length - pairs.length,
    bootstrap: { ...opts, unit: 'task' },
    success: metric((c) => (c.success ? 1 : 0)),
    reward: metric((c) => c.reward),
    warnings,
  };
}
