// A harvest (or baseline/eval run): many conversation workflows in a sliding window of bounded
// concurrency, with deterministic child ids (<runId>/<taskId>), a progress query, control
// signals, and continue-as-new every few hundred conversations so its history stays short.
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { conversationWorkflow, type ConversationConfig } from './conversation';
import { main, mainOptions } from './proxies';
import { RunConfig, formatZodError, type RunConfigInput } from '../config/run';
import type { ConversationSummary } from '../josh/result';
import { addUsage, emptyUsageByRole } from '../shared/messages';
import {
  pauseSignal,
  progressQuery,
  resumeSignal,
  setConcurrencySignal,
  type HarvestProgress,
} from '../shared/harvestApi';
import { SA } from '../shared/searchAttributes';

/** State carried across continue-as-new. */
export interface HarvestCarry {
  pending: { taskId: string; trial: number }[];
  progress: HarvestProgress;
  /** Conversations per generation before continuing as new. */
  continueAsNewAfter: number;
}

export async function harvestWorkflow(
  rawConfig: RunConfigInput,
  carry?: Partial<HarvestCarry>,
): Promise<HarvestProgress> {
  const info = workflowInfo();
  // `temporal workflow start` users may leave out the id: the workflow id is the run id.
  const parsed = RunConfig.safeParse({ ...rawConfig, id: rawConfig.id ?? info.workflowId });
  if (!parsed.success) {
    throw ApplicationFailure.create({
      message: formatZodError('harvest input', parsed.error),
      type: 'BadRunInput',
      nonRetryable: true,
    });
  }
  const config = parsed.data;
  const { taskIds: _ids, ...childConfig } = config;
  const conversationConfig: ConversationConfig = childConfig;

  let pending = carry?.pending;
  let progress = carry?.progress;
  const continueAsNewAfter = carry?.continueAsNewAfter ?? 500;

  if (!pending || !progress) {
    upsertMemo({ config });
    const resolved = await main.resolveTasks.executeWithOptions(
      mainOptions(`resolve tasks: ${config.env} ${config.split}`),
      [
        {
          env: config.env,
          split: config.split,
          taskIds: config.taskIds,
          start: config.start,
          limit: config.limit,
          includeUnsolvable: config.includeUnsolvable,
        },
      ],
    );
    pending = resolved.taskIds.flatMap((taskId) =>
      Array.from({ length: config.trials }, (_, trial) => ({ taskId, trial })),
    );
    const runDir = await main.writeRunManifest({
      runId: config.id,
      outDir: config.outDir,
      manifest: { config, status: 'running', startedAt: new Date().toISOString() },
    });
    progress = {
      id: config.id,
      mode: config.mode,
      env: config.env,
      split: config.split,
      status: 'running',
      total: pending.length,
      done: 0,
      running: 0,
      succeeded: 0,
      failed: 0,
      rewardSum: 0,
      usage: emptyUsageByRole(),
      skippedUnsolvable: resolved.skippedUnsolvable,
      concurrency: config.concurrency,
      runDir,
      startedAt: new Date().toISOString(),
      generation: 0,
    };
  }
  const p: HarvestProgress = progress;
  const queue = pending;
  let paused = p.status === 'paused';
  setHandler(progressQuery, () => ({ ...p, status: paused && p.status === 'running' ? 'paused' : p.status }));
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(setConcurrencySignal, (n: number) => {
    if (Number.isInteger(n) && n >= 1 && n <= 1000) p.concurrency = n;
  });

  const llmCalls = (): number => p.usage.agent.calls + p.usage.user.calls;
  const overBudget = (): boolean => config.maxLlmCalls !== undefined && llmCalls() >= config.maxLlmCalls;
  let startedThisGeneration = 0;
  const drain = (): boolean =>
    startedThisGeneration >= continueAsNewAfter || workflowInfo().continueAsNewSuggested;
  const canStart = (): boolean => queue.length > 0 && !paused && !overBudget() && !drain();

  const record = (s: ConversationSummary | null): void => {
    p.done += 1;
    if (!s) {
      p.failed += 1;
      return;
    }
    p.rewardSum += s.reward;
    if (s.success) p.succeeded += 1;
    p.usage = { agent: addUsage(p.usage.agent, s.usage.agent), user: addUsage(p.usage.user, s.usage.user) };
  };

  const runOne = async (item: { taskId: string; trial: number }): Promise<void> => {
    try {
      record(await runConversation(config.id, conversationConfig, item.taskId, item.trial));
    } catch {
      record(null);
    } finally {
      p.running -= 1;
    }
  };

  const inFlight: Promise<void>[] = [];
  for (;;) {
    while (canStart() && p.running < p.concurrency) {
      const item = queue.shift()!;
      p.running += 1;
      startedThisGeneration += 1;
      inFlight.push(runOne(item));
    }
    if (p.running === 0 && !canStart()) {
      if (queue.length === 0 || overBudget()) break;
      if (drain()) {
        await Promise.all(inFlight);
        p.generation += 1;
        await continueAsNew<typeof harvestWorkflow>(rawConfig, {
          pending: queue,
          progress: { ...p, status: paused ? 'paused' : 'running' },
          continueAsNewAfter,
        });
      }
    }
    await condition(() => (p.running < p.concurrency && canStart()) || (p.running === 0 && !canStart()));
  }
  await Promise.all(inFlight);
  p.status = queue.length > 0 && overBudget() ? 'budget-stopped' : 'done';
  const summary = {
    ...p,
    successRate: p.done ? p.succeeded / p.done : 0,
    averageReward: p.done ? p.rewardSum / p.done : 0,
  };
  await main.writeRunManifest({
    runId: config.id,
    outDir: config.outDir,
    manifest: {
      config,
      status: p.status,
      startedAt: p.startedAt,
      finishedAt: new Date().toISOString(),
      summary,
    },
  });
  upsertSearchAttributes([
    { key: SA.status, value: p.status },
    { key: SA.reward, value: summary.averageReward },
  ]);
  return p;
}

async function runConversation(
  runId: string,
  config: ConversationConfig,
  taskId: string,
  trial: number,
): Promise<ConversationSummary> {
  const workflowId = `${runId}/${taskId}${trial > 0 ? `~t${trial}` : ''}`;
  try {
    const child = await startChild(conversationWorkflow, {
      workflowId,
      args: [{ config, taskId, trial }],
      // A finished conversation is never run (or paid for) twice: its result is read back instead.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `conversation ${taskId}${trial > 0 ? ` trial ${trial}` : ''}`,
      typedSearchAttributes: [
        { key: SA.kind, value: 'conversation' },
        { key: SA.harvestId, value: runId },
        { key: SA.env, value: config.env },
        { key: SA.split, value: config.split },
        { key: SA.taskId, value: taskId },
        { key: SA.status, value: 'running' },
      ],
    });
    return await child.result();
  } catch (err) {
    if (!isAlreadyStarted(err)) throw err;
    // Started by an earlier execution of this run: wait for its result file.
    for (let i = 0; i < 720; i++) {
      const done = await main.readResult({ runId, outDir: config.outDir, taskId, trial });
      if (done) return done;
      await sleep('5 seconds');
    }
    throw err;
  }
}

function isAlreadyStarted(err: unknown): boolean {
  return err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError';
}
