// Activities of the loop (campaign) workflow: what an earlier execution's child ended with, the
// eval summary and paired comparison of a round, and the one-page report.
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { getEnvironment } from '../env';
import { compareRuns, evaluateRun, loadRunOutcomes, runSideOf } from '../eval';
import type { RunSide } from '../eval/compare';
import { estimateCost } from '../shared/cost';
import type { LoopEval, LoopProgress } from '../train/loopApi';
import { formatLoopReport } from '../train/loopReport';
import { writeFileAtomic } from '../util/atomicWrite';

export function createLoopActivities(deps: { dataDir: string; runsRoot: string }) {
  const side = (label: string, runDir: string): RunSide => runSideOf(label, runDir);
  return {
    /** A workflow that an earlier execution of the loop started: its status, and its result if
     * it completed (a restarted loop reuses it instead of running it again). */
    async childOutcome(input: { workflowId: string }): Promise<{ status: string | null; result: unknown }> {
      const handle = Context.current().client.workflow.getHandle(input.workflowId);
      try {
        const d = await handle.describe();
        const status = d.status.name;
        return { status, result: status === 'COMPLETED' ? await handle.result() : null };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: null, result: null };
        throw err;
      }
    },

    /** An eval run's summary with its intervals (eval.json is written, as `josh eval` does). */
    async summarizeEval(input: { runDir: string }): Promise<LoopEval> {
      const { summary } = evaluateRun(input.runDir, {
        environment: (name) => getEnvironment(name, deps.dataDir),
      });
      const run = loadRunOutcomes(input.runDir);
      const usage = {
        agent: { calls: 0, promptTokens: 0, completionTokens: 0 },
        user: { calls: 0, promptTokens: 0, completionTokens: 0 },
      };
      for (const c of run.conversations) {
        for (const role of ['agent', 'user'] as const) {
          usage[role].calls += c.usage[role].calls;
          usage[role].promptTokens += c.usage[role].promptTokens;
          usage[role].completionTokens += c.usage[role].completionTokens;
        }
      }
      return {
        id: summary.runId,
        runDir: input.runDir,
        agentModel: summary.agentModel,
        conversations: summary.conversations,
        successRate: summary.overall.successRate,
        averageReward: summary.overall.averageReward,
        usage,
      };
    },

    /** The paired comparison of two eval runs (B − A), as `josh compare` makes it. */
    async compareEvals(input: { a: string; b: string }) {
      const c = compareRuns(side('previous', input.a), side('this round', input.b));
      return { against: c.a.runId, pairs: c.shared.pairs, success: c.success.delta, reward: c.reward.delta };
    },

    /** The cost of a round's model calls, when prices are known. */
    async roundCost(input: {
      usage: {
        agent: { calls: number; promptTokens: number; completionTokens: number };
        user: { calls: number; promptTokens: number; completionTokens: number };
      };
      agentModel: string;
      userModel: string;
      prices?: Record<string, { input: number; output: number }>;
    }) {
      return estimateCost(input.usage, input, input.prices);
    },

    /** loop.json and report.md in `<runs>/<loopId>/`. */
    async writeLoopReport(input: { progress: LoopProgress }): Promise<string> {
      const dir = path.join(path.resolve(deps.runsRoot), input.progress.id);
      writeFileAtomic(path.join(dir, 'loop.json'), JSON.stringify(input.progress, null, 2) + '\n');
      const file = path.join(dir, 'report.md');
      writeFileAtomic(file, formatLoopReport(input.progress));
      return file;
    },
  };
}
