// Fine-tuning activities: export a run to a training file, upload it, create the job exactly once
// in effect, look at it, cancel it. Each is short: the workflow waits between looks on a durable
// timer, so a job that takes a day holds no worker slot. The endpoint is the one the worker would
// send the base model's chat calls to (its models-file entry, else OPENAI_BASE_URL): a fine-tuned
// model lives where it was trained. Keys never leave the worker.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import { getEnvironment } from '../env';
import { exportRun, type ExportFormat, type ExportSummary } from '../export';
import { endpointKeys, routeFor, scrubSecrets, type LlmEndpointConfig } from '../llm/endpoint';
import { toTemporalFailure } from '../llm/errors';
import type { TrainEvent } from '../train/api';
import { writeFileAtomic } from '../util/atomicWrite';
import { fnv1a } from '../util/hash';
import { dirOwner } from '../util/dirOwner';

/** Metadata key whose value is the train workflow's id: how a retried create finds its job. */
export const WORKFLOW_ID_METADATA = 'josh_workflow_id';

export interface ExportTrainingInput {
  trainId: string;
  runDir: string;
  format: ExportFormat;
  outDir?: string;
  includePartial: boolean;
  maxExamples?: number;
}

export interface ExportTrainingOutput {
  file: string;
  examples: number;
  /** The export as `josh export` reports it (before any maxExamples cut). */
  summary: ExportSummary;
}

export interface CreateJobInput {
  trainId: string;
  fileId: string;
  baseModel: string;
  method: 'supervised' | 'dpo';
  hyperparameters: Record<string, number | 'auto'>;
  suffix: string;
  seed?: number;
}

export interface JobLook {
  jobId: string;
  status: string;
  fineTunedModel: string | null;
  trainedTokens: number | null;
  error: string | null;
  /** Events newer than the one given, oldest first. */
  events: TrainEvent[];
  /** Id of the newest event seen (the next look starts after it). */
  lastEventId: string | null;
  metrics: Record<string, number> | null;
}

/** A short, stable suffix for a training id (OpenAI keeps suffixes short). */
export function defaultSuffix(trainId: string): string {
  return `josh-${fnv1a(trainId).toString(16).padStart(8, '0')}`;
}

export function trainDirOf(runsRoot: string, trainId: string, outDir?: string): string {
  return path.resolve(outDir ?? path.join(runsRoot, trainId));
}

export function createFinetuneActivities(deps: {
  dataDir: string;
  runsRoot: string;
  llm: LlmEndpointConfig;
}) {
  const clients = new Map<string, OpenAI>();
  /** The client for the base model's endpoint (no model: the worker's default endpoint, as for
   * histories that did not pass one). */
  const api = (baseModel?: string): OpenAI => {
    const { endpoint } = baseModel ? routeFor(deps.llm, baseModel) : { endpoint: deps.llm };
    const key = `${endpoint.baseURL}\n${endpoint.apiKey}`;
    let c = clients.get(key);
    if (!c) {
      c = new OpenAI({
        baseURL: endpoint.baseURL,
        apiKey: endpoint.apiKey,
        maxRetries: 0,
        // Under the activities' one-minute timeout, so a slow answer is retried, not timed out.
        timeout: 50_000,
      });
      clients.set(key, c);
    }
    return c;
  };
  const keys = endpointKeys(deps.llm);
  /** The SDK's error as a Temporal failure: 4xx (bad file, unknown model) stop, the rest retry. */
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toTemporalFailure(err, `fine-tuning: ${what}`, keys);
    }
  };

  return {
    /** The run as training data, written to the training directory; the same run gives the
     * same bytes, so a retry rewrites the same file. */
    async exportTrainingData(input: ExportTrainingInput): Promise<ExportTrainingOutput> {
      const dir = trainDirOf(deps.runsRoot, input.trainId, input.outDir);
      // The first write into the training directory: never into another's (a run's, a campaign's,
      // another training's), whose files it would mix with or overwrite.
      const owner = dirOwner(dir);
      if (owner && !(owner.kind === 'training' && owner.id === input.trainId)) {
        throw ApplicationFailure.create({
          message: `${dir} holds ${owner.kind} ${owner.id}: training ${input.trainId} needs a directory of its own (another id or outDir)`,
          type: 'BadRunInput',
          nonRetryable: true,
        });
      }
      const file = path.join(dir, `${input.format}.jsonl`);
      let summary: ExportSummary;
      try {
        summary = exportRun(input.runDir, input.format, {
          environment: (name) => getEnvironment(name, deps.dataDir),
          out: file,
          includePartial: input.includePartial,
          warn: () => undefined,
        });
      } catch (err) {
        throw ApplicationFailure.create({
          message: `export ${input.runDir} as ${input.format}: ${(err as Error).message}`,
          type: 'BadRunInput',
          nonRetryable: true,
        });
      }
      let examples = summary.examples;
      if (input.maxExamples !== undefined && examples > input.maxExamples) {
        const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, input.maxExamples);
        writeFileAtomic(file, lines.join('\n') + '\n');
        examples = lines.length;
      }
      if (examples === 0) {
        // An empty file beside the failure reads as training data: leave nothing.
        fs.rmSync(file, { force: true });
        throw ApplicationFailure.create({
          message: `export ${input.runDir} as ${input.format}: no training examples (${JSON.stringify(summary.droppedConversations)})`,
          type: 'NoTrainingData',
          nonRetryable: true,
        });
      }
      return { file, examples, summary };
    },

    /** Uploads the file, unless a file of the same name (training id and content hash) was
     * uploaded before, e.g. by an attempt that died before it could report. */
    async uploadTrainingFile(input: {
      trainId: string;
      file: string;
      baseModel?: string;
    }): Promise<{ fileId: string }> {
      const bytes = fs.readFileSync(input.file);
      const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
      const filename = `${input.trainId}-${digest}.jsonl`;
      const earlier = await findFile(api(input.baseModel), filename);
      if (earlier) return { fileId: earlier };
      const created = await call('upload', async () =>
        api(input.baseModel).files.create(
          { file: await toFile(bytes, filename), purpose: 'fine-tune' },
          { timeout: 280_000 },
        ),
      );
      return { fileId: created.id };
    },

    /** Exactly once in effect: a job this training created before (found by its metadata) is
     * reused unless it failed or was cancelled; only then is one created. */
    async createFineTuneJob(
      input: CreateJobInput,
    ): Promise<{ jobId: string; status: string; reused: boolean }> {
      const found = await call('list jobs', () => jobsOf(api(input.baseModel), input.trainId));
      const live = found.find((j) => j.status !== 'failed' && j.status !== 'cancelled');
      if (live) return { jobId: live.id, status: live.status, reused: true };
      const hyper = input.hyperparameters;
      const job = await call('create job', () =>
        api(input.baseModel).fineTuning.jobs.create({
          // The name the endpoint knows the model by (a models file may rename it).
          model: routeFor(deps.llm, input.baseModel).model,
          training_file: input.fileId,
          suffix: input.suffix,
          metadata: { [WORKFLOW_ID_METADATA]: input.trainId },
          ...(input.seed !== undefined ? { seed: input.seed } : {}),
          method:
            input.method === 'dpo'
              ? { type: 'dpo', dpo: { hyperparameters: hyper } }
              : { type: 'supervised', supervised: { hyperparameters: withoutBeta(hyper) } },
        }),
      );
      return { jobId: job.id, status: job.status, reused: false };
    },

    async pollFineTuneJob(input: {
      jobId: string;
      afterEventId: string | null;
      baseModel?: string;
    }): Promise<JobLook> {
      const job = await call('retrieve job', () =>
        api(input.baseModel).fineTuning.jobs.retrieve(input.jobId),
      );
      const page = await call('list events', () =>
        api(input.baseModel).fineTuning.jobs.listEvents(input.jobId, { limit: 100 }),
      );
      // Newest first: the new ones are those before the last one seen.
      const fresh: OpenAI.FineTuning.FineTuningJobEvent[] = [];
      for (const e of page.data) {
        if (e.id === input.afterEventId) break;
        fresh.push(e);
      }
      fresh.reverse();
      let metrics: Record<string, number> | null = null;
      for (const e of fresh) {
        if (e.type === 'metrics' && e.data && typeof e.data === 'object') metrics = numbersOf(e.data);
      }
      return {
        jobId: job.id,
        status: job.status,
        fineTunedModel: job.fine_tuned_model ?? null,
        trainedTokens: job.trained_tokens ?? null,
        error: job.error?.message ? scrubSecrets(job.error.message, keys) : null,
        events: fresh.slice(-20).map((e) => ({
          at: e.created_at,
          level: e.level,
          message: scrubSecrets(e.message, keys),
        })),
        lastEventId: page.data[0]?.id ?? input.afterEventId,
        metrics,
      };
    },

    async cancelFineTuneJob(input: { jobId: string; baseModel?: string }): Promise<{ status: string }> {
      const ft = api(input.baseModel).fineTuning.jobs;
      const job = await call('retrieve job', () => ft.retrieve(input.jobId));
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return { status: job.status };
      const cancelled = await call('cancel job', () => ft.cancel(input.jobId));
      return { status: cancelled.status };
    },

    /** train.json in the training directory: what was trained, on what, and the result. */
    async writeTrainRecord(input: { trainId: string; outDir?: string; record: object }): Promise<string> {
      const file = path.join(trainDirOf(deps.runsRoot, input.trainId, input.outDir), 'train.json');
      writeFileAtomic(file, JSON.stringify(input.record, null, 2) + '\n');
      return file;
    },
  };
}

/** Jobs whose metadata names this training (the server may ignore the filter: checked here). */
async function jobsOf(api: OpenAI, trainId: string): Promise<OpenAI.FineTuning.FineTuningJob[]> {
  const out: OpenAI.FineTuning.FineTuningJob[] = [];
  for await (const job of api.fineTuning.jobs.list({
    metadata: { [WORKFLOW_ID_METADATA]: trainId },
    limit: 100,
  })) {
    if (job.metadata?.[WORKFLOW_ID_METADATA] === trainId) out.push(job);
  }
  return out;
}

/** An uploaded file of that name, if the server lists files (not every compatible one does). */
async function findFile(api: OpenAI, filename: string): Promise<string | null> {
  try {
    for await (const f of api.files.list({ purpose: 'fine-tune' })) {
      if (f.filename === filename && f.status !== 'error') return f.id;
    }
  } catch {
    // No listing: upload again (a file costs storage, not a training).
  }
  return null;
}

function withoutBeta(h: Record<string, number | 'auto'>): Record<string, number | 'auto'> {
  const { beta: _beta, ...rest } = h;
  return rest;
}

function numbersOf(data: object): Record<string, number> {
  return Object.fromEntries(
    Object.entries(data).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );
}
