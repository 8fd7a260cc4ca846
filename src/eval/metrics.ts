// The evaluation summary of a run (spec 4.6): average reward and success rate with bootstrap
// intervals, pass^k, per-domain and solvable-subset breakdowns, usage and cost. Pure: the caller
// supplies the conversations and what the environment knows of each task.
import type { Usage } from '../shared/messages';
import { addUsage, emptyUsage } from '../shared/messages';
import type { ConversationOutcome } from './load';
import { estimateCost, type CostEstimate, type Prices } from './cost';
import {
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  bootstrapCI,
  passHatK,
  type BootstrapOptions,
  type Interval,
} from './stats';

export interface TaskInfo {
  domains: string[];
  solvable: boolean;
}

/** What is known of a task id; null when the environment no longer has it. */
export type TaskLookup = (taskId: string) => TaskInfo | null;

export interface GroupMetrics {
  conversations: number;
  tasks: number;
  successRate: Interval;
  averageReward: Interval;
}

export interface RoleUsage extends Usage {
  perConversation: { calls: number; tokens: number };
}

export interface EvalSummary {
  version: 1;
  runId: string;
  mode: string;
  env: string;
  split: string;
  agentModel: string;
  userModel: string;
  userSim: string;
  agentTemperature: number;
  trials: number;
  /** Conversations the run set out to do, and those with a result file. */
  expected: number | null;
  conversations: number;
  bootstrap: { resamples: number; level: number; seed: string; unit: 'task' };
  overall: GroupMetrics;
  /** Tasks whose own goal calls reach reward 1 (spec 4.5); null when the run had none. */
  solvable: GroupMetrics | null;
  unsolvableTasks: number;
  unknownTasks: number;
  /** pass^k for k = 1..trials (only when trials > 1). */
  passK: (Interval & { k: number; tasks: number })[];
  domains: (GroupMetrics & { domain: string })[];
  usage: { agent: RoleUsage; user: RoleUsage };
  cost: CostEstimate | null;
}

export interface EvalInput {
  runId: string;
  mode: string;
  env: string;
  split: string;
  agentModel: string;
  userModel: string;
  userSim: string;
  agentTemperature: number;
  trials: number;
  expected: number | null;
  prices?: Prices;
}

export function groupMetrics(cs: readonly ConversationOutcome[], opts: BootstrapOptions): GroupMetrics {
  const byTask = groupByTask(cs);
  const groups = [...byTask.values()];
  return {
    conversations: cs.length,
    tasks: byTask.size,
    successRate: bootstrapCI(
      groups.map((g) => g.map((c) => (c.success ? 1 : 0))),
      opts,
    ),
    averageReward: bootstrapCI(
      groups.map((g) => g.map((c) => c.reward)),
      opts,
    ),
  };
}

export function groupByTask<T extends { taskId: string }>(cs: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const c of cs) {
    const g = m.get(c.taskId);
    if (g) g.push(c);
    else m.set(c.taskId, [c]);
  }
  return m;
}

export function summarizeEval(
  input: EvalInput,
  cs: readonly ConversationOutcome[],
  lookup: TaskLookup,
  boot: BootstrapOptions = {},
): EvalSummary {
  const opts = {
    resamples: boot.resamples ?? DEFAULT_RESAMPLES,
    level: boot.level ?? DEFAULT_LEVEL,
    seed: boot.seed ?? DEFAULT_SEED,
  };
  const info = new Map([...groupByTask(cs).keys()].map((id) => [id, lookup(id)]));
  const solvableCs = cs.filter((c) => info.get(c.taskId)?.solvable === true);
  const tasksBy = (pred: (i: TaskInfo | null) => boolean): number => [...info.values()].filter(pred).length;

  const domainNames = [...new Set([...info.values()].flatMap((i) => i?.domains ?? []))].sort();
  // A multi-domain task counts in each of its domains, so domain rows need not sum to the total.
  const domains = domainNames.map((domain) => ({
    domain,
    ...groupMetrics(
      cs.filter((c) => info.get(c.taskId)?.domains.includes(domain)),
      opts,
    ),
  }));

  const passK =
    input.trials > 1
      ? Array.from({ length: input.trials }, (_, i) =>
          passHatK(
            [...groupByTask(cs).values()].map((g) => ({ n: g.length, c: g.filter((c) => c.success).length })),
            i + 1,
            opts,
          ),
        )
      : [];

  let agent = emptyUsage();
  let user = emptyUsage();
  for (const c of cs) {
    agent = addUsage(agent, c.usage.agent);
    user = addUsage(user, c.usage.user);
  }
  const roleUsage = (u: Usage): RoleUsage => ({
    ...u,
    perConversation: {
      calls: cs.length ? u.calls / cs.length : 0,
      tokens: cs.length ? (u.promptTokens + u.completionTokens) / cs.length : 0,
    },
  });

  return {
    version: 1,
    ...input,
    conversations: cs.length,
    bootstrap: { ...opts, unit: 'task' },
    overall: groupMetrics(cs, opts),
    solvable: solvableCs.length ? groupMetrics(solvableCs, opts) : null,
    unsolvableTasks: tasksBy((i) => i !== null && !i.solvable),
    unknownTasks: tasksBy((i) => i === null),
    passK,
    domains,
    usage: { agent: roleUsage(agent), user: roleUsage(user) },
    // Prices given, or the built-in table's for known hosted models (null when neither has any).
    cost: estimateCost({ agent, user }, input.agentModel, input.userModel, input.prices),
  };
}
