// `josh train`: one fine-tuning, durably. Backend openai: export the run, upload the file, create
// the job (exactly once in effect: the create activity first looks for a job this workflow made),
// then look at it every `pollSeconds` on a durable timer — no activity holds a worker slot while
// the job runs, and a worker restart or deploy costs nothing. Cancelling the workflow cancels the
// job. Backend trl: export, write the script and config, run it if the worker has a command.
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { MainActivities } from '../activities';
import { SA } from '../shared/searchAttributes';
import type { TrainConfig, TrainConfigInput } from '../train/config';
import {
  FINAL_TRAIN_MEMO,
  TERMINAL_JOB_STATUSES,
  trainProgressQuery,
  type TrainProgress,
} from '../train/api';
import { fnv1a } from '../util/hash';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const trainSchema = (): typeof import('../train/config') => require('../train/config');

/** Calls to the fine-tuning API: short, retried through an outage of up to an hour. Their
 * timeout is short because it is also how long a worker that died during one is waited for. */
const API_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '60 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '60 seconds',
    nonRetryableErrorTypes: [
      'LlmPermanent',
      'LlmEndpointRefused',
      'LlmMalformed',
      'BadRunInput',
      'NoTrainingData',
    ],
  },
};
const api = proxyActivities<MainActivities>(API_OPTIONS);
/** Exports and script writing read a whole run (a second for a thousand conversations); the
 * export cannot heartbeat while it works, so its timeout is also how long a worker that died
 * during it is waited for. */
const files = proxyActivities<MainActivities>({ ...API_OPTIONS, startToCloseTimeout: '1 minute' });
/** An upload sends the whole file. */
const upload = proxyActivities<MainActivities>({ ...API_OPTIONS, startToCloseTimeout: '5 minutes' });
/** A TRL run takes hours; its heartbeat says it is alive. */
const trlRun = proxyActivities<MainActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['TrlFailed', 'BadRunInput'] },
});

/** Looks per execution before continuing as new: a day of looks every 30 s stays well under the
 * history limits. */
const LOOKS_PER_EXECUTION = 500;

export interface TrainCarry {
  progress: TrainProgress;
  lastEventId: string | null;
}

export async function trainWorkflow(raw: TrainConfigInput, carry?: TrainCarry): Promise<TrainProgress> {
  const info = workflowInfo();
  const { TrainConfig, defaultFormat } = trainSchema();
  const parsed = TrainConfig.safeParse({ ...(raw ?? {}), id: raw?.id ?? info.workflowId });
  if (!parsed.success) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { formatZodError } = require('../config/run') as typeof import('../config/run');
    throw ApplicationFailure.create({
      message: formatZodError('train input', parsed.error),
      type: 'BadRunInput',
      nonRetryable: true,
    });
  }
  const config = parsed.data;
  const format = config.format ?? defaultFormat(config.backend);
  const p: TrainProgress = carry?.progress ?? startingProgress(config, format);
  let lastEventId = carry?.lastEventId ?? null;
  setHandler(trainProgressQuery, () => p);
  const show = (): void =>
    setCurrentDetails(
      [
        `**${p.status}** — ${p.backend} ${format}, ${p.examples} examples, base ${p.baseModel}`,
        p.jobId ? `job ${p.jobId}` : null,
        p.fineTunedModel ? `model **${p.fineTunedModel}**` : null,
        p.metrics
          ? `metrics ${Object.entries(p.metrics)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : null,
        p.events.length ? `latest: ${p.events[p.events.length - 1].message}` : null,
        p.error ? `error: ${p.error}` : null,
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  const setStatus = (status: TrainProgress['status']): void => {
    if (p.status !== status) upsertSearchAttributes([{ key: SA.status, value: status }]);
    p.status = status;
    show();
  };
  if (!carry) {
    upsertMemo({ config });
    upsertSearchAttributes([
      { key: SA.kind, value: 'train' },
      { key: SA.harvestId, value: config.id },
      { key: SA.status, value: p.status },
    ]);
  }
  show();

  try {
    if (!p.trainingFile) {
      const exported = await files.exportTrainingData({
        trainId: config.id,
        runDir: config.runDir,
        format,
        outDir: config.outDir,
        includePartial: config.includePartial,
        maxExamples: config.maxExamples,
      });
      p.trainingFile = exported.file;
      p.examples = exported.examples;
    }
    if (config.backend === 'trl') return await trainWithTrl(config, format, p, setStatus);

    if (!p.fileId) {
      setStatus('uploading');
      p.fileId = (
        await upload.uploadTrainingFile({
          trainId: config.id,
          file: p.trainingFile,
          baseModel: config.baseModel,
        })
      ).fileId;
    }
    if (!p.jobId) {
      setStatus('creating');
      // Not cancellable half way: a job created by a call the cancel interrupted would run unseen.
      const job = await CancellationScope.nonCancellable(() =>
        api.createFineTuneJob({
          trainId: config.id,
          fileId: p.fileId!,
          baseModel: config.baseModel,
          method: format === 'openai-dpo' ? 'dpo' : 'supervised',
          hyperparameters: config.hyperparameters,
          suffix: config.suffix ?? `josh-${fnv1a(config.id).toString(16).padStart(8, '0')}`,
          seed: config.seed,
        }),
      );
      p.jobId = job.jobId;
      setStatus(job.status as TrainProgress['status']);
    }
    let looks = 0;
    for (;;) {
      const look = await api.pollFineTuneJob({
        jobId: p.jobId,
        afterEventId: lastEventId,
        baseModel: config.baseModel,
      });
      looks++;
      p.polls++;
      lastEventId = look.lastEventId;
      p.events = [...p.events, ...look.events].slice(-20);
      if (look.metrics) p.metrics = look.metrics;
      p.fineTunedModel = look.fineTunedModel;
      p.trainedTokens = look.trainedTokens;
      p.error = look.error;
      setStatus(look.status as TrainProgress['status']);
      if (TERMINAL_JOB_STATUSES.includes(look.status)) break;
      if (looks >= LOOKS_PER_EXECUTION || workflowInfo().continueAsNewSuggested) {
        await continueAsNew<typeof trainWorkflow>(raw, { progress: p, lastEventId });
      }
      await sleep(Math.round(config.pollSeconds * 1000));
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(async () => {
      if (p.jobId) {
        const cancelled = await api.cancelFineTuneJob({ jobId: p.jobId, baseModel: config.baseModel });
        p.error = `cancelled (the job is ${cancelled.status})`;
      }
      p.finishedAt = new Date().toISOString();
      setStatus('cancelled');
      await api.writeTrainRecord({
        trainId: config.id,
        outDir: config.outDir,
        record: { config, progress: p },
      });
      upsertMemo({ [FINAL_TRAIN_MEMO]: p });
    });
    throw err;
  }
  p.finishedAt = new Date().toISOString();
  await api.writeTrainRecord({ trainId: config.id, outDir: config.outDir, record: { config, progress: p } });
  if (p.status !== 'succeeded') {
    upsertMemo({ [FINAL_TRAIN_MEMO]: p });
    throw ApplicationFailure.create({
      message: `fine-tuning job ${p.jobId} ${p.status}${p.error ? `: ${p.error}` : ''}`,
      type: 'FineTuneFailed',
      nonRetryable: true,
      details: [p],
    });
  }
  return p;
}

async function trainWithTrl(
  config: TrainConfig,
  format: string,
  p: TrainProgress,
  setStatus: (s: TrainProgress['status']) => void,
): Promise<TrainProgress> {
  const script = await files.writeTrlScript({
    trainId: config.id,
    outDir: config.outDir,
    format,
    trainingFile: p.trainingFile,
    baseModel: config.baseModel,
    trl: config.trl,
    seed: config.seed,
  });
  p.script = { path: script.path, config: script.config, command: script.command };
  if (!script.willRun) {
    p.finishedAt = new Date().toISOString();
    setStatus('script-written');
    await api.writeTrainRecord({
      trainId: config.id,
      outDir: config.outDir,
      record: { config, progress: p },
    });
    return p;
  }
  setStatus('running');
  const ran = await trlRun.runTrlScript({ script: script.path, config: script.config });
  p.logTail = ran.logTail;
  p.fineTunedModel = script.outputDir;
  p.finishedAt = new Date().toISOString();
  setStatus('succeeded');
  await api.writeTrainRecord({ trainId: config.id, outDir: config.outDir, record: { config, progress: p } });
  return p;
}

function startingProgress(config: TrainConfig, format: string): TrainProgress {
  return {
    id: config.id,
    backend: config.backend,
    status: 'exporting',
    baseModel: config.baseModel,
    format,
    trainingFile: '',
    examples: 0,
    fileId: null,
    jobId: null,
    fineTunedModel: null,
    trainedTokens: null,
    events: [],
    metrics: null,
    polls: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
    script: null,
    logTail: [],
  };
}
