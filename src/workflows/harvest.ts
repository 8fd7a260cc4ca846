// A harvest (or baseline/eval run): many conversation workflows in a sliding window of bounded
// concurrency, with deterministic child ids (<runId>/<taskId>), a progress query, control
// signals, and continue-as-new every few hundred conversations so its history stays short.
// Pause stops starting conversations (running ones finish); cancel stops them all, keeps what
// finished and writes a 'cancelled' manifest.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { conversationWorkflow, type ConversationConfig } from './conversation';
import { failureLine } from './failures';
import { local, localOptions, main, mainOptions } from './proxies';
import type { RunConfig, RunConfigInput } from '../config/run';
import type { ConversationSummary } from '../josh/result';
import { addUsage, emptyUsageByRole } from '../shared/messages';
import {
  FINAL_PROGRESS_MEMO,
  pauseSignal,
  progressQuery,
  resumeSignal,
  setConcurrencySignal,
  setConcurrencyUpdate,
  type HarvestProgress,
} from '../shared/harvestApi';
import { SA } from '../shared/searchAttributes';

/**
 * The run-config schema, loaded when first used. A workflow bundle's modules are evaluated afresh
 * for every workflow execution, and zod's (with the schema) took ~7 ms of the worker's workflow
 * thread each time, for every agent turn and conversation; only this workflow needs it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runConfigSchema = (): typeof import('../config/run') => require('../config/run');

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
  const { RunConfig, formatZodError } = runConfigSchema();
  // `temporal workflow start --input null` (or 5, or [..]) is not a config: say so, rather than
  // fail the workflow task on a TypeError forever or run a default harvest.
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig)) {
    throw ApplicationFailure.create({
      message: `harvest input: expected one JSON object (the run config), got ${rawConfig === null ? 'null' : Array.isArray(rawConfig) ? 'an array' : typeof rawConfig}`,
      type: 'BadRunInput',
      nonRetryable: true,
    });
  }
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
  const conversationConfig: ConversationConfig = { ...childConfig };

  const continueAsNewAfter = carry?.continueAsNewAfter ?? 500;
  const fresh = !carry?.pending || !carry.progress;
  const queue = carry?.pending ?? [];
  // Created before setup so the query, signals and update work from the first workflow task: an
  // update that finds no handler is rejected, and callers may send one right after starting.
  const p: HarvestProgress = carry?.progress ?? startingProgress(config);
  let paused = p.status === 'paused';
  p.status = 'running';
  const setPaused = (value: boolean): void => {
    if (paused === value || p.status !== 'running') return;
    paused = value;
    upsertSearchAttributes([{ key: SA.status, value: paused ? 'paused' : 'running' }]);
  };
  setHandler(progressQuery, () => ({ ...p, status: paused && p.status === 'running' ? 'paused' : p.status }));
  setHandler(pauseSignal, () => setPaused(true));
  setHandler(resumeSignal, () => setPaused(false));
  const concurrencyOk = (n: number): boolean => RunConfig.shape.concurrency.safeParse(n).success;
  setHandler(setConcurrencySignal, (n: number) => {
    if (concurrencyOk(n)) p.concurrency = n;
  });
  setHandler(
    setConcurrencyUpdate,
    (n: number) => {
      const previous = p.concurrency;
      p.concurrency = n;
      return { previous, concurrency: n };
    },
    {
      validator: (n: number) => {
        if (!concurrencyOk(n)) throw new Error(`concurrency must be a whole number from 1 to 1000, got ${n}`);
      },
    },
  );

  if (fresh) {
    upsertMemo({ config });
    // Set here, not only by our starters: runs started by a Schedule (whose id is only known now)
    // or by `temporal workflow start` must be filterable too.
    upsertSearchAttributes([
      { key: SA.kind, value: config.mode === 'eval' ? 'eval' : 'harvest' },
      { key: SA.harvestId, value: config.id },
      { key: SA.env, value: config.env },
      { key: SA.split, value: config.split },
      { key: SA.status, value: paused ? 'paused' : 'running' }, // a pause may come with the start
    ]);
    // Setup is short and must not be left half done: a cancel takes effect right after it.
    const setup = await CancellationScope.nonCancellable(() => setUp(config));
    queue.push(...setup.pending);
    p.total = setup.pending.length;
    p.skippedUnsolvable = setup.skippedUnsolvable;
    p.runDir = setup.runDir;
  }
  if (patched(RECORD_PROVENANCE)) {
    // Every execution (a restart, each continue-as-new) checks that the worker running it has the
    // prompts the run recorded; the hash then travels with every model call, so a worker with
    // other prompts refuses the call instead of mixing two prompts in one run's data.
    const recorded = await CancellationScope.nonCancellable(() =>
      main.recordProvenance.executeWithOptions(mainOptions('record provenance'), [
        { runId: config.id, outDir: config.outDir, config },
      ]),
    );
    conversationConfig.promptsHash = recorded.promptsHash;
  }

  const llmCalls = (): number => p.usage.agent.calls + p.usage.user.calls;
  const overBudget = (): boolean => config.maxLlmCalls !== undefined && llmCalls() >= config.maxLlmCalls;
  let startedThisGeneration = 0;
  const drain = (): boolean =>
    startedThisGeneration >= continueAsNewAfter || workflowInfo().continueAsNewSuggested;
  const canStart = (): boolean => queue.length > 0 && !paused && !overBudget() && !drain();
  /** Nothing left to start in this execution, for a reason other than a pause. */
  const exhausted = (): boolean => queue.length === 0 || overBudget() || drain();

  const record = (s: ConversationSummary | null, error?: string): void => {
    p.done += 1;
    if (!s) {
      p.failed += 1;
      if (error) p.lastError = error;
      return;
    }
    p.rewardSum += s.reward;
    if (s.success) p.succeeded += 1;
    p.usage = { agent: addUsage(p.usage.agent, s.usage.agent), user: addUsage(p.usage.user, s.usage.user) };
  };

  const runOne = async (item: { taskId: string; trial: number }): Promise<void> => {
    try {
      record(await runConversation(config.id, conversationConfig, item.taskId, item.trial));
    } catch (err) {
      // A conversation stopped by a cancel is not done, and did not fail: it left no result.
      if (!isCancellation(err)) record(null, `${item.taskId}: ${failureLine(err)}`);
    } finally {
      p.running -= 1;
    }
  };

  const inFlight: Promise<void>[] = [];
  let cancelled: CancelledFailure | null = null;
  try {
    for (;;) {
      while (canStart() && p.running < p.concurrency) {
        const item = queue.shift()!;
        p.running += 1;
        startedThisGeneration += 1;
        inFlight.push(runOne(item));
      }
      if (p.running === 0 && exhausted()) {
        if (queue.length === 0 || overBudget()) break;
        await Promise.all(inFlight);
        // A cancel that arrived while draining must not be lost to the next execution.
        if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('harvest cancelled');
        p.generation += 1;
        await continueAsNew<typeof harvestWorkflow>(rawConfig, {
          pending: queue,
          progress: { ...p, status: paused ? 'paused' : 'running' },
          continueAsNewAfter,
        });
      }
      // Wakes for a free slot, or when the last conversation ends with nothing left to start; a
      // paused harvest with nothing running sleeps here until resumed or cancelled.
      await condition(() => (p.running < p.concurrency && canStart()) || (p.running === 0 && exhausted()));
    }
  } catch (err) {
    if (!(err instanceof CancelledFailure)) throw err;
    cancelled = err;
  }
  // Running conversations settle: to their results, or, after a cancel, to their own cancellation.
  await Promise.all(inFlight);
  if (cancelled) p.status = 'cancelled';
  else if (p.done > 0 && p.failed === p.done) p.status = 'failed';
  else p.status = queue.length > 0 && overBudget() ? 'budget-stopped' : 'done';
  const summary = {
    ...p,
    successRate: p.done ? p.succeeded / p.done : 0,
    averageReward: p.done ? p.rewardSum / p.done : 0,
  };
  // Written even when cancelled: the run directory must say how the run ended.
  await CancellationScope.nonCancellable(() =>
    main.writeRunManifest({
      runId: config.id,
      outDir: config.outDir,
      manifest: {
        config,
        status: p.status,
        startedAt: p.startedAt,
        finishedAt: new Date().toISOString(),
        summary,
      },
    }),
  );
  upsertSearchAttributes([
    { key: SA.status, value: p.status },
    { key: SA.reward, value: summary.averageReward },
  ]);
  if (cancelled) {
    upsertMemo({ [FINAL_PROGRESS_MEMO]: p });
    throw cancelled;
  }
  if (p.status === 'failed') {
    // Nothing was harvested: that is a failed run (exit non-zero, red in the Web UI), not 'done'.
    upsertMemo({ [FINAL_PROGRESS_MEMO]: p });
    throw ApplicationFailure.create({
      message: `every conversation failed (${p.failed} of ${p.done}); the last: ${p.lastError ?? 'unknown'}`,
      type: 'AllConversationsFailed',
      nonRetryable: true,
    });
  }
  return p;
}

/** Progress of a run before its first conversation (total and run directory come from setup). */
function startingProgress(config: RunConfig): HarvestProgress {
  return {
    id: config.id,
    mode: config.mode,
    env: config.env,
    split: config.split,
    status: 'running',
    total: 0,
    done: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    rewardSum: 0,
    usage: emptyUsageByRole(),
    skippedUnsolvable: 0,
    concurrency: config.concurrency,
    runDir: '',
    startedAt: new Date().toISOString(),
    generation: 0,
  };
}

/** First execution only: the task list and the run directory's manifest. */
async function setUp(
  config: RunConfig,
): Promise<{ pending: HarvestCarry['pending']; skippedUnsolvable: number; runDir: string }> {
  const resolved = await main.resolveTasks.executeWithOptions(
    mainOptions(`resolve tasks: ${config.env} ${config.split}`),
    [runConfigSchema().taskSelection(config)],
  );
  const pending = resolved.taskIds.flatMap((taskId) =>
    Array.from({ length: config.trials }, (_, trial) => ({ taskId, trial })),
  );
  const runDir = await main.writeRunManifest({
    runId: config.id,
    outDir: config.outDir,
    manifest: { config, status: 'running', startedAt: new Date().toISOString() },
  });
  return { pending, skippedUnsolvable: resolved.skippedUnsolvable, runDir };
}

/** Patch ids (see `patched`): histories recorded before each change still replay. */
const RECORD_PROVENANCE = 'record-provenance';
const RESTART_REUSES_RESULTS = 'restart-reuses-results';

/**
 * One conversation of the run, or its result from an earlier execution of the run. A conversation
 * whose result file exists is reused (it may have been written but never reported: cancelled,
 * terminated or killed between the write and the report); one that ended without a result
 * (cancelled, failed, terminated) runs again; one still running from an earlier execution (its
 * cancel not yet processed, e.g. while no worker was up) is waited for, then reused or run again.
 */
async function runConversation(
  runId: string,
  config: ConversationConfig,
  taskId: string,
  trial: number,
): Promise<ConversationSummary> {
  const workflowId = `${runId}/${taskId}${trial > 0 ? `~t${trial}` : ''}`;
  if (!patched(RESTART_REUSES_RESULTS)) return runConversationBeforeRestartFix(runId, config, taskId, trial);
  const loc = { runId, outDir: config.outDir, taskId, trial, env: config.env };
  const written = await local.readResult.executeWithOptions(localOptions(`read result ${taskId}`), [loc]);
  if (written) return written;
  for (let attempt = 0; ; attempt++) {
    try {
      const child = await startChild(conversationWorkflow, {
        ...conversationOptions(runId, config, taskId, trial, workflowId),
        // Only a conversation that ended without a result may run again; a completed one has
        // written its result file, which is read back instead of paying for it twice.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      });
      return await child.result();
    } catch (err) {
      if (!isAlreadyStarted(err)) throw err;
    }
    const prior = await main.priorConversation.executeWithOptions(
      mainOptions(`earlier conversation ${taskId}`),
      [{ ...loc, workflowId }],
    );
    if (prior.result) return prior.result;
    if (prior.status === 'COMPLETED') {
      throw ApplicationFailure.create({
        message: `conversation ${workflowId} completed in an earlier execution of this run, but its result file ${prior.file} is missing`,
        type: 'ResultMissing',
        nonRetryable: true,
      });
    }
    // RUNNING: wait for it to end. Anything else: it has just ended, so the next start goes.
    if (prior.status === 'RUNNING') await sleep(Math.min(1000 * 2 ** attempt, 15_000));
  }
}

function conversationOptions(
  runId: string,
  config: ConversationConfig,
  taskId: string,
  trial: number,
  workflowId: string,
) {
  return {
    workflowId,
    args: [{ config, taskId, trial }] as [{ config: ConversationConfig; taskId: string; trial: number }],
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
  };
}

/** The code path of histories recorded before RESTART_REUSES_RESULTS (kept for their replay). */
async function runConversationBeforeRestartFix(
  runId: string,
  config: ConversationConfig,
  taskId: string,
  trial: number,
): Promise<ConversationSummary> {
  const workflowId = `${runId}/${taskId}${trial > 0 ? `~t${trial}` : ''}`;
  try {
    const child = await startChild(conversationWorkflow, {
      ...conversationOptions(runId, config, taskId, trial, workflowId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return await child.result();
  } catch (err) {
    if (!isAlreadyStarted(err)) throw err;
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
