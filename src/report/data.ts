// The data a report embeds: a run summary (the eval statistics of src/eval), one small row per
// conversation for the list and the charts, and each conversation's search tree as a separate
// gzip+base64 string that the page decodes only when that conversation is opened. Trees are
// stored without the per-turn `calls` (their tool calls and results are in the messages already).
import { gzipSync } from 'node:zlib';
import { UnknownTaskError, type Environment } from '../env/types';
import type { ConversationWithTree, RunManifest } from '../eval/load';
import { summarizeEval, type EvalSummary, type TaskLookup } from '../eval/metrics';
import type { Prices } from '../eval/cost';

/** Row of the conversation list, as a positional array to keep 1,000 rows small. */
export type ConversationRow = [
  taskId: string,
  trial: number,
  reward: number,
  success: 0 | 1,
  steps: number,
  nodes: number,
  agentCalls: number,
  userCalls: number,
  tokens: number,
  stopReason: string,
  workflowId: string,
  domains: string[],
  goalCount: number,
  hasGolden: 0 | 1,
];

/** A tree node: [id, parentId, flags (1 golden, 2 successful, 4 over), endReason, turns]. */
export type CompactNode = [number, number | null, number, string | null, CompactTurn[]];
/** A turn: [step, messages, rewardedGoals, userReply, error]. */
export type CompactTurn = [number, unknown[], number[], string | null, string | null];

export interface CompactTree {
  opening: string;
  /** Goal call names by index, so a rewarded turn can say which goal it met. */
  goals: string[];
  nodes: CompactNode[];
  /** The environment's final reward of the scored path and what decided it (τ-bench: the database
   * and outputs checks); null when the result file has none. */
  final: { reward: number; info: Record<string, unknown> } | null;
}

export interface ReportData {
  version: 1;
  generatedAt: string;
  run: {
    id: string;
    mode: string;
    env: string;
    split: string;
    status: string;
    startedAt: string | null;
    finishedAt: string | null;
    config: Record<string, unknown>;
  };
  ui: { url: string; namespace: string };
  summary: EvalSummary;
  columns: string[];
  rows: ConversationRow[];
  /** Per row: gzip(JSON(CompactTree)) as base64. */
  trees: string[];
}

export interface ReportOptions {
  uiUrl: string;
  namespace: string;
  environment: Environment | null;
  prices?: Prices;
  resamples?: number;
  now?: Date;
}

function compactTree(c: ConversationWithTree, goals: string[]): CompactTree {
  return {
    opening: c.opening,
    goals,
    final: c.finalReward ?? null,
    nodes: c.tree.map((n) => [
      n.id,
      n.parentId,
      (n.isGoldenPath ? 1 : 0) | (n.isSuccessful ? 2 : 0) | (n.conversationOver ? 4 : 0),
      n.endReason ?? null,
      n.turns.map((t) => [t.step, t.messages, t.rewardedGoals, t.userReply, t.error ?? null]),
    ]),
  };
}

function encodeTree(tree: CompactTree): string {
  return gzipSync(JSON.stringify(tree), { level: 9 }).toString('base64');
}

export function buildReportData(
  run: { manifest: RunManifest; conversations: ConversationWithTree[] },
  opts: ReportOptions,
): ReportData {
  const c = run.manifest.config;
  const env = opts.environment;
  const taskOf = (id: string) => {
    try {
      return env ? env.getTask(id) : null;
    } catch (err) {
      // A task id the data no longer has is shown without domains; a data file that does not
      // read is not that, and goes up (writeReport decides).
      if (err instanceof UnknownTaskError) return null;
      throw err;
    }
  };
  const lookup: TaskLookup = (id) => {
    const t = taskOf(id);
    return t ? { domains: t.domains, solvable: t.solvable } : null;
  };
  const summary = summarizeEval(
    {
      runId: c.id,
      mode: c.mode,
      env: c.env,
      split: c.split,
      agentModel: c.agentModel,
      userModel: c.userModel,
      userSim: c.userSim,
      agentTemperature: c.agentTemperature,
      trials: c.trials,
      expected: run.manifest.summary?.total ?? null,
      prices: opts.prices ?? c.prices,
    },
    run.conversations,
    lookup,
    // The eval defaults (resamples, seed), so the report's intervals equal eval.json's.
    { resamples: opts.resamples },
  );
  const rows: ConversationRow[] = [];
  const trees: string[] = [];
  for (const conv of run.conversations) {
    const task = taskOf(conv.taskId);
    const u = conv.usage;
    rows.push([
      conv.taskId,
      conv.trial,
      conv.reward,
      conv.success ? 1 : 0,
      conv.steps,
      conv.tree.length,
      u.agent.calls,
      u.user.calls,
      u.agent.promptTokens + u.agent.completionTokens + u.user.promptTokens + u.user.completionTokens,
      conv.stopReason,
      conv.workflowId,
      task?.domains ?? [],
      conv.goalCount,
      conv.tree.some((n) => n.isGoldenPath) ? 1 : 0,
    ]);
    trees.push(encodeTree(compactTree(conv, task?.goalCalls.map((g) => g.name) ?? [])));
  }
  const { summary: _s, config: _c, ...rest } = run.manifest;
  return {
    version: 1,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    run: {
      id: c.id,
      mode: c.mode,
      env: c.env,
      split: c.split,
      status: String(rest.status),
      startedAt: rest.startedAt ?? null,
      finishedAt: rest.finishedAt ?? null,
      config: c as unknown as Record<string, unknown>,
    },
    ui: { url: opts.uiUrl.replace(/\/+$/, ''), namespace: opts.namespace },
    summary,
    columns: [
      'taskId',
      'trial',
      'reward',
      'success',
      'steps',
      'nodes',
      'agentCalls',
      'userCalls',
      'tokens',
      'stopReason',
      'workflowId',
      'domains',
      'goalCount',
      'hasGolden',
    ],
    rows,
    trees,
  };
}
