// `josh loop`: the self-training campaign. Round 0 evaluates the base model; each round then
// harvests with the current model on the train split, fine-tunes on what it harvested, evaluates
// the new model on the test split and compares it with the previous round (paired). It goes on
// with the new model while it improves and rounds remain. Every step is a child workflow with a
// deterministic id, so a campaign restarted under its id reuses the children that completed and
// restarts the others (a harvest restart keeps its finished conversations; a training finds its
// job). Pause holds the campaign between steps and pauses the running harvest or eval.
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type Workflow,
} from '@temporalio/workflow';
import type { MainActivities } from '../activities';
import type { RunConfigInput } from '../config/run';
import { pauseSignal, resumeSignal, type HarvestProgress } from '../shared/harvestApi';
import { SA } from '../shared/searchAttributes';
import type { LoopConfigInput } from '../train/config';
import type { TrainProgress } from '../train/api';
import {
  FINAL_LOOP_MEMO,
  loopProgressQuery,
  type LoopEval,
  type LoopProgress,
  type LoopRound,
} from '../train/loopApi';
import { childIds, evalInput, harvestInput, trainInput } from '../train/loopPlan';
import { failureLine } from './failures';
import { harvestWorkflow } from './harvest';
import { trainWorkflow } from './train';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loopSchema = (): typeof import('../train/config') => require('../train/config');

// Reading a run's results and writing the report take a second; the timeout is also how long a
// worker that died during one is waited for.
const act = proxyActivities<MainActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['BadRunInput'],
  },
});

export async function loopWorkflow(raw: LoopConfigInput): Promise<LoopProgress> {
  const info = workflowInfo();
  const parsed = loopSchema().LoopConfig.safeParse({ ...(raw ?? {}), id: raw?.id ?? info.workflowId });
  if (!parsed.success) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formatZodError } = require('../config/run') as typeof import('../config/run');
    throw ApplicationFailure.create({
      message: formatZodError('loop input', parsed.error),
      type: 'BadRunInput',
      nonRetryable: true,
    });
  }
  const config = parsed.data;
  const p: LoopProgress = {
    id: config.id,
    status: 'running',
    phase: 'starting',
    rounds: config.rounds,
    base: null,
    completed: [],
    current: null,
    bestModel: config.agentModel,
    stopReason: null,
    reportFile: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  let paused = false;
  /** The harvest or eval child running now: pause and resume are passed on to it. */
  let runningRun: string | null = null;
  const forward = (signal: typeof pauseSignal | typeof resumeSignal): void => {
    if (runningRun)
      void getExternalWorkflowHandle(runningRun)
        .signal(signal)
        .catch(() => undefined);
  };
  const setPaused = (value: boolean): void => {
    if (paused === value || p.status !== 'running') return;
    paused = value;
    upsertSearchAttributes([{ key: SA.status, value: paused ? 'paused' : 'running' }]);
    forward(paused ? pauseSignal : resumeSignal);
    show();
  };
  setHandler(loopProgressQuery, () => ({
    ...p,
    status: paused && p.status === 'running' ? 'paused' : p.status,
  }));
  setHandler(pauseSignal, () => setPaused(true));
  setHandler(resumeSignal, () => setPaused(false));
  const show = (): void =>
    setCurrentDetails(
      [
        `**${paused && p.status === 'running' ? 'paused' : p.status}**: ${p.phase}`,
        p.base
          ? `base ${p.base.agentModel}: success ${(100 * p.base.successRate.estimate).toFixed(1)}%`
          : null,
        ...p.completed.map(
          (r) =>
            `round ${r.round}: ${r.train?.fineTunedModel ?? '?'} success ${r.eval ? (100 * r.eval.successRate.estimate).toFixed(1) : '?'}%` +
            (r.comparison
              ? ` (Δ ${(100 * r.comparison.success.estimate).toFixed(1)} pts, p ${r.comparison.success.pValue.toFixed(3)})`
              : ''),
        ),
        `best: ${p.bestModel}`,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  upsertMemo({ config });
  upsertSearchAttributes([
    { key: SA.kind, value: 'loop' },
    { key: SA.harvestId, value: config.id },
    { key: SA.env, value: config.env },
    { key: SA.split, value: config.testSplit },
    { key: SA.status, value: 'running' },
  ]);
  const phase = async (what: string): Promise<void> => {
    p.phase = what;
    show();
    await condition(() => !paused);
  };
  const report = async (): Promise<void> => {
    p.reportFile = await act.writeLoopReport({ progress: p });
  };

  const runRun = async (input: RunConfigInput): Promise<HarvestProgress> => {
    const id = input.id!;
    return child<HarvestProgress>(harvestWorkflow, id, [input], {
      summary: `${input.mode} ${config.env}/${input.split}: ${input.agentModel}`,
      attributes: [
        { key: SA.kind, value: input.mode === 'eval' ? 'eval' : 'harvest' },
        { key: SA.harvestId, value: id },
        { key: SA.env, value: config.env },
        { key: SA.split, value: input.split! },
        { key: SA.status, value: 'running' },
      ],
      onRunning: (running) => {
        runningRun = running;
        if (running && paused) forward(pauseSignal);
      },
    });
  };
  const evaluate = async (round: number, model: string): Promise<LoopEval> => {
    const progress = await runRun(evalInput(config, round, model));
    return act.summarizeEval({ runDir: progress.runDir });
  };

  try {
    await phase('round 0: eval of the base model');
    p.base = await evaluate(0, config.agentModel);
    await report();
    let model = config.agentModel;
    let previous = p.base;
    let best = p.base.successRate.estimate;
    for (let r = 1; r <= config.rounds; r++) {
      const round: LoopRound = {
        round: r,
        agentModel: model,
        harvest: null,
        train: null,
        eval: null,
        comparison: null,
        cost: null,
        decision: null,
      };
      p.current = round;
      const ids = childIds(config.id, r);

      await phase(`round ${r}: ${config.harvestMode} with ${model}`);
      const h = await runRun(harvestInput(config, r, model));
      round.harvest = {
        id: ids.harvest,
        runDir: h.runDir,
        status: h.status,
        conversations: h.done,
        succeeded: h.succeeded,
        usage: h.usage,
      };
      await report();

      // A round whose harvest reached reward 1 nowhere has nothing to fine-tune on (SFT, and
      // preference data without partial rewards): the campaign ends there, and says so.
      if (h.succeeded === 0 && !config.includePartial) {
        p.stopReason = `round ${r}'s ${config.harvestMode} reached reward 1 in no conversation: nothing to train on`;
        round.decision = `stop: ${p.stopReason}`;
        p.completed.push(round);
        p.current = null;
        await report();
        break;
      }
      await phase(`round ${r}: fine-tune ${model}`);
      const t = await child<TrainProgress>(
        trainWorkflow,
        ids.train,
        [trainInput(config, r, model, h.runDir)],
        {
          summary: `fine-tune ${model} on ${ids.harvest}`,
          attributes: [
            { key: SA.kind, value: 'train' },
            { key: SA.harvestId, value: ids.train },
            { key: SA.status, value: 'exporting' },
          ],
        },
      );
      round.train = {
        id: ids.train,
        jobId: t.jobId,
        status: t.status,
        fineTunedModel: t.fineTunedModel,
        examples: t.examples,
        trainedTokens: t.trainedTokens,
        format: t.format,
      };
      await report();
      const trained = t.fineTunedModel!;

      await phase(`round ${r}: eval of ${trained}`);
      round.eval = await evaluate(r, trained);
      round.comparison = await act.compareEvals({ a: previous.runDir, b: round.eval.runDir });
      const usage = {
        agent: sumUsage(round.harvest.usage.agent, round.eval.usage.agent),
        user: sumUsage(round.harvest.usage.user, round.eval.usage.user),
      };
      round.cost = await act.roundCost({
        usage,
        agentModel: model,
        userModel: config.userModel,
        prices: config.prices,
      });
      const delta = round.comparison.success.estimate;
      if (round.eval.successRate.estimate > best) {
        best = round.eval.successRate.estimate;
        p.bestModel = trained;
      }
      const improved = delta > config.minImprovement;
      if (!improved)
        p.stopReason = `round ${r} did not improve on the previous one (Δ ${(100 * delta).toFixed(1)} pts)`;
      else if (r === config.rounds) p.stopReason = `all ${config.rounds} rounds done`;
      round.decision = p.stopReason
        ? `stop: ${p.stopReason}`
        : `improved by ${(100 * delta).toFixed(1)} pts: next round with ${trained}`;
      p.completed.push(round);
      p.current = null;
      await report();
      if (p.stopReason) break;
      model = trained;
      previous = round.eval;
    }
    p.status = 'done';
    p.phase = 'done';
  } catch (err) {
    const cancelled = isCancellation(err);
    p.status = cancelled ? 'cancelled' : 'failed';
    p.stopReason = cancelled ? 'cancelled' : failureLine(err);
    await CancellationScope.nonCancellable(async () => {
      p.finishedAt = new Date().toISOString();
      upsertSearchAttributes([{ key: SA.status, value: p.status }]);
      upsertMemo({ [FINAL_LOOP_MEMO]: p });
      show();
      await report();
    });
    throw err;
  }
  p.finishedAt = new Date().toISOString();
  upsertSearchAttributes([
    { key: SA.status, value: 'done' },
    {
      key: SA.reward,
      value: p.completed.at(-1)?.eval?.successRate.estimate ?? p.base?.successRate.estimate ?? 0,
    },
  ]);
  show();
  await report();
  return p;
}

function sumUsage(
  a: { calls: number; promptTokens: number; completionTokens: number },
  b: { calls: number; promptTokens: number; completionTokens: number },
) {
  return {
    calls: a.calls + b.calls,
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}

/**
 * A child workflow's result: run it, or, when an earlier execution of the campaign started it,
 * reuse its result if it completed, wait for it if it still runs, start it again otherwise
 * (failed, cancelled and terminated children may be started again under their id).
 */
async function child<T>(
  fn: Workflow,
  workflowId: string,
  args: unknown[],
  o: {
    summary: string;
    attributes: Parameters<typeof upsertSearchAttributes>[0];
    onRunning?: (id: string | null) => void;
  },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await startChild(fn, {
        workflowId,
        args,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        staticSummary: o.summary,
        typedSearchAttributes: o.attributes as never,
      });
      o.onRunning?.(workflowId);
      try {
        return (await handle.result()) as T;
      } finally {
        o.onRunning?.(null);
      }
    } catch (err) {
      if (!(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    }
    const prior = await act.childOutcome({ workflowId });
    if (prior.status === 'COMPLETED') return prior.result as T;
    if (prior.status === 'RUNNING') await sleep(Math.min(1000 * 2 ** attempt, 15_000));
  }
}
