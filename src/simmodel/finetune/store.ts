// Files and fine-tuning jobs of the simulated model, in the server process (and, with a state
// directory, in one JSON file written atomically after every change, so a restarted server keeps
// them). A job's progress is a function of the clock: validating_files, queued and running each
// last `secondsPerPhase` from its creation, and whatever a reader asks for is brought up to date
// first. So no timers run, and a job whose server was down while it "trained" is finished on the
// first look after the restart, as a hosted job keeps running while its client is away.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { notADirectory, writeFileAtomic } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';
import { hashString, mixSeeds } from '../rng';
import { estimateTokens } from '../tokens';
import type { LearnedModel } from './learning';
import {
  type LineError,
  parseJsonl,
  type TrainingData,
  type TrainingMethod,
  validateTraining,
} from './validate';

/** An error the API answers with (status, OpenAI error body fields). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

export interface FineTuneConfig {
  /** Seconds each of validating_files, queued and running lasts. */
  secondsPerPhase: number;
  /** Probability that a job fails while running (drawn per job from the seed and its id). */
  failRate: number;
  /** Fewest examples a training file may have (OpenAI's is 10; 0 lets an empty file train). */
  minExamples: number;
  seed: number;
  stateDir?: string;
}

/** Metadata key that makes a job fail while running (fault injection on request). */
export const FAIL_METADATA_KEY = 'josh_sim_fail';

const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;

export interface StoredFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  content: string;
}

type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message' | 'metrics';
  data?: Record<string, unknown>;
}

type Hyper = Record<string, number | 'auto' | undefined>;

interface StoredJob {
  id: string;
  createdMs: number;
  model: string;
  /** The first non-fine-tuned ancestor: fine-tuned model names carry it, as OpenAI's do. */
  rootModel: string;
  training_file: string;
  validation_file: string | null;
  suffix: string | null;
  seed: number;
  metadata: Record<string, string> | null;
  method: TrainingMethod;
  hyperparameters: Hyper;
  status: JobStatus;
  error: { code: string; message: string; param: string | null } | null;
  fine_tuned_model: string | null;
  finished_at: number | null;
  trained_tokens: number | null;
  events: JobEvent[];
  /** Set when the file validated: what the model learned, and the training figures. */
  learned?: LearnedModel<Record<string, number>> & { examples: number; tokens: number };
  failPlanned: boolean;
  /** Metrics events emitted so far while running. */
  metricsShown: number;
}

export interface CreateJobParams {
  model: string;
  training_file: string;
  validation_file?: string | null;
  suffix?: string | null;
  seed?: number | null;
  metadata?: Record<string, string> | null;
  method?: { type: string; supervised?: { hyperparameters?: Hyper }; dpo?: { hyperparameters?: Hyper } };
  hyperparameters?: Hyper;
}

/** What the store needs from the model: the base rates and the learning rule. */
export interface Learner {
  baseRates: Record<string, number>;
  learn(parent: Record<string, number>, data: TrainingData): LearnedModel<Record<string, number>>;
}

const METRICS_EVENTS = 4;
const seconds = (ms: number): number => Math.floor(ms / 1000);
const newId = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;

interface State {
  files: StoredFile[];
  jobs: StoredJob[];
  /** Ids of deleted files, so a merge with another process's state does not bring them back. */
  deleted: string[];
}

type SavedState = { files: Omit<StoredFile, 'content'>[]; jobs: StoredJob[]; deleted?: string[] };

const PROGRESS: Record<JobStatus, number> = {
  validating_files: 0,
  queued: 1,
  running: 2,
  succeeded: 3,
  failed: 3,
  cancelled: 3,
};
/** Of two copies of one job (two processes sharing a state dir), the one further along. */
const further = (a: StoredJob, b: StoredJob): StoredJob =>
  PROGRESS[b.status] > PROGRESS[a.status] ||
  (PROGRESS[b.status] === PROGRESS[a.status] && b.events.length > a.events.length)
    ? b
    : a;

export class FineTuneStore {
  private state: State = { files: [], jobs: [], deleted: [] };
  private readonly stateFile?: string;

  constructor(
    private readonly config: FineTuneConfig,
    private readonly learner: Learner,
    private readonly now: () => number = Date.now,
  ) {
    if (config.stateDir) {
      // Found now, not as every upload's failure (a client retries those without end).
      const blocker = notADirectory(config.stateDir);
      if (blocker)
        throw new UserError(
          `simulated model state directory ${config.stateDir}: ${blocker} is a file, not a directory`,
        );
      this.stateFile = path.join(config.stateDir, 'fine-tuning.json');
      this.sync();
    }
  }

  /** Merges the state directory's saved state into this process's: several servers (CLI commands
   * with their own embedded model) may share one directory, so what another wrote since is kept. */
  private sync(): void {
    if (!this.stateFile || !fs.existsSync(this.stateFile)) return;
    let saved: SavedState;
    try {
      saved = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as SavedState;
    } catch (e) {
      throw new UserError(
        `simulated model state ${this.stateFile}: not readable JSON (${(e as Error).message})`,
      );
    }
    const deleted = new Set([...this.state.deleted, ...(saved.deleted ?? [])]);
    const have = new Set(this.state.files.map((f) => f.id));
    for (const f of saved.files) {
      if (have.has(f.id) || deleted.has(f.id)) continue;
      const where = this.contentPath(f.id);
      try {
        this.state.files.push({ ...f, content: fs.readFileSync(where, 'utf8') });
      } catch (e) {
        throw new UserError(`simulated model state: file ${f.id}: ${where}: ${(e as Error).message}`);
      }
    }
    this.state.files = this.state.files.filter((f) => !deleted.has(f.id));
    const jobs = new Map(this.state.jobs.map((j) => [j.id, j]));
    for (const j of saved.jobs) {
      const mine = jobs.get(j.id);
      jobs.set(j.id, mine ? further(mine, j) : j);
    }
    // Creation order, as the lists are ordered by it.
    this.state.jobs = [...jobs.values()].sort((a, b) => a.createdMs - b.createdMs);
    this.state.deleted = [...deleted];
  }

  /** Where an uploaded file's bytes live in the state directory: written once, not with every save. */
  private contentPath(id: string): string {
    return path.join(this.config.stateDir ?? '', 'files', id);
  }

  private save(): void {
    if (!this.stateFile) return;
    this.sync();
    const saved: SavedState = {
      files: this.state.files.map(publicFile),
      jobs: this.state.jobs,
      deleted: this.state.deleted,
    };
    writeFileAtomic(this.stateFile, JSON.stringify(saved));
  }

  // ---- Files ------------------------------------------------------------------------------------

  addFile(filename: string, purpose: string, content: string): Omit<StoredFile, 'content'> {
    if (!(FILE_PURPOSES as readonly string[]).includes(purpose))
      throw new ApiError(
        400,
        `'${purpose}' is not one of ${FILE_PURPOSES.map((p) => `'${p}'`).join(', ')} - 'purpose'`,
        'invalid_value',
        'purpose',
      );
    if (purpose === 'fine-tune') {
      if (!filename.endsWith('.jsonl'))
        throw new ApiError(
          400,
          `Invalid file format for Fine-Tuning API. Must be .jsonl (got ${filename}).`,
          'invalid_file_format',
          'file',
        );
      const parsed = parseJsonl(content);
      if ('error' in parsed)
        throw new ApiError(
          400,
          `Invalid file format. Line ${parsed.error.line}: ${parsed.error.reason}`,
          'invalid_file_format',
          'file',
        );
    }
    const file: StoredFile = {
      id: newId('file'),
      object: 'file',
      bytes: Buffer.byteLength(content),
      created_at: seconds(this.now()),
      filename,
      purpose,
      status: 'processed',
      content,
    };
    if (this.stateFile) writeFileAtomic(this.contentPath(file.id), content);
    this.state.files.push(file);
    this.save();
    return publicFile(file);
  }

  private file(id: string): StoredFile {
    if (!this.state.files.some((x) => x.id === id)) this.sync();
    const f = this.state.files.find((x) => x.id === id);
    if (!f) throw new ApiError(404, `No such File object: ${id}`, null, 'id');
    return f;
  }

  getFile(id: string): Omit<StoredFile, 'content'> {
    return publicFile(this.file(id));
  }

  fileContent(id: string): string {
    return this.file(id).content;
  }

  listFiles(q: { purpose?: string; after?: string; limit?: number; order?: string }) {
    this.sync();
    let files = this.state.files.filter((f) => !q.purpose || f.purpose === q.purpose);
    if (q.order !== 'asc') files = [...files].reverse();
    return page(files.map(publicFile), q.after, q.limit ?? 10_000);
  }

  deleteFile(id: string): { id: string; object: 'file'; deleted: true } {
    this.file(id);
    this.state.files = this.state.files.filter((f) => f.id !== id);
    this.state.deleted.push(id);
    this.save();
    if (this.stateFile) fs.rmSync(this.contentPath(id), { force: true });
    return { id, object: 'file', deleted: true };
  }

  // ---- Jobs -------------------------------------------------------------------------------------

  createJob(p: CreateJobParams) {
    const type = p.method?.type ?? 'supervised';
    if (type !== 'supervised' && type !== 'dpo')
      throw new ApiError(
        400,
        `Fine-tuning method '${type}' is not supported by the simulated model (supervised, dpo).`,
        'invalid_value',
        'method.type',
      );
    const method: TrainingMethod = type;
    if (!this.state.files.some((f) => f.id === p.training_file)) this.sync();
    const file = this.state.files.find((f) => f.id === p.training_file);
    if (!file)
      throw new ApiError(
        400,
        `invalid training_file: ${p.training_file}`,
        'invalid_training_file',
        'training_file',
      );
    if (file.purpose !== 'fine-tune')
      throw new ApiError(
        400,
        `File ${file.id} has purpose '${file.purpose}', not 'fine-tune'.`,
        'invalid_training_file',
        'training_file',
      );
    if (p.validation_file && !this.state.files.some((f) => f.id === p.validation_file))
      throw new ApiError(
        400,
        `invalid validation_file: ${p.validation_file}`,
        'invalid_validation_file',
        'validation_file',
      );
    if (p.suffix != null && !/^[A-Za-z0-9_.-]{0,64}$/.test(p.suffix))
      throw new ApiError(
        400,
        'suffix: at most 64 characters of letters, digits, "-", "_" and "."',
        'invalid_value',
        'suffix',
      );
    checkMetadata(p.metadata);
    let rootModel = p.model;
    if (p.model.startsWith('ft:')) {
      const parent = this.fineTuned(p.model);
      if (!parent)
        throw new ApiError(
          400,
          `Model ${p.model} is not available for fine-tuning or does not exist.`,
          'model_not_available',
          'model',
        );
      rootModel = parent.rootModel;
    }
    const given =
      (method === 'dpo' ? p.method?.dpo?.hyperparameters : p.method?.supervised?.hyperparameters) ??
      p.hyperparameters ??
      {};
    const id = newId('ftjob');
    const nowMs = this.now();
    const drawn = (mixSeeds(hashString(id), this.config.seed) >>> 0) / 2 ** 32 < this.config.failRate;
    const flag = p.metadata?.[FAIL_METADATA_KEY];
    const job: StoredJob = {
      id,
      createdMs: nowMs,
      model: p.model,
      rootModel,
      training_file: p.training_file,
      validation_file: p.validation_file ?? null,
      suffix: p.suffix ?? null,
      seed: p.seed ?? hashString(id) % 2_147_483_647,
      metadata: p.metadata ?? null,
      method,
      hyperparameters: resolveHyper(given, method),
      status: 'validating_files',
      error: null,
      fine_tuned_model: null,
      finished_at: null,
      trained_tokens: null,
      events: [],
      failPlanned: drawn || (flag !== undefined && flag !== '' && flag !== 'false' && flag !== '0'),
      metricsShown: 0,
    };
    addEvent(job, nowMs, 'info', `Validating training file: ${p.training_file}`);
    this.state.jobs.push(job);
    this.save();
    return publicJob(job);
  }

  private job(id: string): StoredJob {
    if (!this.state.jobs.some((x) => x.id === id)) this.sync();
    const j = this.state.jobs.find((x) => x.id === id);
    if (!j)
      throw new ApiError(
        404,
        `Could not find fine-tuning job: ${id}`,
        'fine_tuning_job_not_found',
        'fine_tuning_job_id',
      );
    this.advance(j);
    return j;
  }

  getJob(id: string) {
    return publicJob(this.job(id));
  }

  listJobs(q: { after?: string; limit?: number; metadata?: Record<string, string> }) {
    this.sync();
    for (const j of this.state.jobs) this.advance(j);
    const wanted = Object.entries(q.metadata ?? {});
    const jobs = [...this.state.jobs]
      .reverse()
      .filter((j) => wanted.every(([k, v]) => j.metadata?.[k] === v));
    return page(jobs.map(publicJob), q.after, q.limit ?? 20);
  }

  listEvents(id: string, q: { after?: string; limit?: number }) {
    return page([...this.job(id).events].reverse(), q.after, q.limit ?? 20);
  }

  listCheckpoints(id: string, q: { after?: string; limit?: number }) {
    const j = this.job(id);
    const out =
      j.status === 'succeeded' && j.fine_tuned_model && j.learned
        ? [
            {
              id: `ftckpt-${j.id.slice(6)}`,
              object: 'fine_tuning.job.checkpoint' as const,
              created_at: j.finished_at ?? seconds(j.createdMs),
              fine_tuned_model_checkpoint: j.fine_tuned_model,
              fine_tuning_job_id: j.id,
              step_number: totalSteps(j),
              metrics: {
                step: totalSteps(j),
                train_loss: lossAt(j, 1),
                train_mean_token_accuracy: accuracyAt(1),
              },
            },
          ]
        : [];
    return page(out, q.after, q.limit ?? 10);
  }

  cancel(id: string) {
    const j = this.job(id);
    if (j.status === 'succeeded' || j.status === 'failed' || j.status === 'cancelled')
      throw new ApiError(
        400,
        `Job ${id} has already ${j.status === 'cancelled' ? 'been cancelled' : j.status}.`,
        'invalid_state',
        null,
      );
    const nowMs = this.now();
    j.status = 'cancelled';
    j.finished_at = seconds(nowMs);
    addEvent(j, nowMs, 'info', 'Fine-tuning job cancelled');
    this.save();
    return publicJob(j);
  }

  /** The job that made a fine-tuned model name of this server, advanced to now; undefined if none. */
  private fineTuned(model: string): StoredJob | undefined {
    const jobId = model.split(':').pop() ?? '';
    if (!this.state.jobs.some((x) => x.id === jobId)) this.sync();
    const j = this.state.jobs.find((x) => x.id === jobId);
    if (!j) return undefined;
    this.advance(j);
    return j.status === 'succeeded' && j.fine_tuned_model === model ? j : undefined;
  }

  /** The error rates of a model: a fine-tuned model's learned ones, the base's for any other name,
   * undefined for a fine-tuned name this server never made (or whose job has not succeeded). */
  ratesFor(model: string): Record<string, number> | undefined {
    if (!model.startsWith('ft:')) return this.learner.baseRates;
    return this.fineTuned(model)?.learned?.rates;
  }

  // ---- The clock --------------------------------------------------------------------------------

  /** Brings a job up to now: each phase boundary it has passed, with its events, in order. */
  private advance(j: StoredJob): void {
    const before = `${j.status}/${j.events.length}`;
    const phase = this.config.secondsPerPhase * 1000;
    const now = this.now();
    const validatedAt = j.createdMs + phase;
    const startedAt = j.createdMs + 2 * phase;
    const endsAt = j.createdMs + 3 * phase;
    if (j.status === 'validating_files' && now >= validatedAt) this.validate(j, validatedAt);
    if (j.status === 'queued' && now >= startedAt) {
      j.status = 'running';
      addEvent(j, startedAt, 'info', 'Fine-tuning job started');
    }
    if (j.status === 'running') {
      const steps = totalSteps(j);
      const shown = Math.min(METRICS_EVENTS, steps);
      while (j.metricsShown < shown) {
        const at = startedAt + ((j.metricsShown + 1) / (shown + 1)) * phase;
        if (now < at) break;
        j.metricsShown++;
        const frac = j.metricsShown / shown;
        const step = Math.ceil(frac * steps);
        const loss = lossAt(j, frac);
        addEvent(j, at, 'info', `Step ${step}/${steps}: training loss=${loss.toFixed(4)}`, 'metrics', {
          step,
          total_steps: steps,
          train_loss: loss,
          train_mean_token_accuracy: accuracyAt(frac),
        });
      }
      if (now >= endsAt) this.finish(j, endsAt);
    }
    if (`${j.status}/${j.events.length}` !== before) this.save();
  }

  private validate(j: StoredJob, at: number): void {
    const file = this.state.files.find((f) => f.id === j.training_file);
    const fail = (e: LineError | string): void => {
      const detail = typeof e === 'string' ? e : `Line ${e.line}: ${e.reason}`;
      j.status = 'failed';
      j.finished_at = seconds(at);
      j.error = {
        code: 'invalid_training_file',
        param: 'training_file',
        message: `The job failed due to an invalid training file. ${detail}`,
      };
      addEvent(j, at, 'error', j.error.message);
    };
    if (!file) return fail(`Training file ${j.training_file} was deleted before it was validated.`);
    const parsed = parseJsonl(file.content);
    if ('error' in parsed) return fail(parsed.error);
    const checked = validateTraining(parsed.lines, j.method);
    if ('error' in checked) return fail(checked.error);
    const examples = checked.data.records.length;
    if (examples < this.config.minExamples)
      return fail(
        `Training file has ${examples} example(s), but must have at least ${this.config.minExamples} examples.`,
      );
    const parent = j.model.startsWith('ft:')
      ? this.fineTuned(j.model)?.learned?.rates
      : this.learner.baseRates;
    if (!parent) return fail(`Model ${j.model} is no longer available.`);
    const n = typeof j.hyperparameters.n_epochs === 'number' ? j.hyperparameters.n_epochs : 3;
    const tokens = parsed.lines.reduce((s, l) => s + estimateTokens(JSON.stringify(l.value)), 0) * n;
    j.learned = { ...this.learner.learn(parent, checked.data), examples, tokens };
    j.status = 'queued';
    addEvent(j, at, 'info', 'Files validated, moving job to queued state');
  }

  private finish(j: StoredJob, at: number): void {
    j.finished_at = seconds(at);
    if (j.failPlanned) {
      j.status = 'failed';
      j.error = {
        code: 'server_error',
        param: null,
        message: `Fine-tuning job ${j.id} failed while training (simulated fault injection).`,
      };
      addEvent(j, at, 'error', j.error.message);
      return;
    }
    j.status = 'succeeded';
    j.trained_tokens = j.learned?.tokens ?? 0;
    j.fine_tuned_model = `ft:${j.rootModel}:josh-sim:${j.suffix ?? ''}:${j.id}`;
    addEvent(j, at, 'info', `New fine-tuned model created: ${j.fine_tuned_model}`);
    addEvent(j, at, 'info', 'The job has successfully completed');
  }
}

function publicFile(f: StoredFile): Omit<StoredFile, 'content'> {
  const { content: _content, ...rest } = f;
  return rest;
}

function publicJob(j: StoredJob) {
  const hp = j.hyperparameters;
  return {
    id: j.id,
    object: 'fine_tuning.job' as const,
    created_at: seconds(j.createdMs),
    error: j.error,
    fine_tuned_model: j.fine_tuned_model,
    finished_at: j.finished_at,
    hyperparameters: {
      batch_size: hp.batch_size,
      learning_rate_multiplier: hp.learning_rate_multiplier,
      n_epochs: hp.n_epochs,
    },
    model: j.model,
    organization_id: 'org-josh-sim',
    result_files: [],
    seed: j.seed,
    status: j.status,
    trained_tokens: j.trained_tokens,
    training_file: j.training_file,
    validation_file: j.validation_file,
    estimated_finish: null,
    integrations: null,
    metadata: j.metadata,
    method: { type: j.method, [j.method]: { hyperparameters: hp } },
    user_provided_suffix: j.suffix,
  };
}

function resolveHyper(given: Hyper, method: TrainingMethod): Hyper {
  const pick = (v: number | 'auto' | undefined, auto: number): number => (typeof v === 'number' ? v : auto);
  const out: Hyper = {
    batch_size: pick(given.batch_size, 1),
    learning_rate_multiplier: pick(given.learning_rate_multiplier, 1.8),
    n_epochs: pick(given.n_epochs, 3),
  };
  if (method === 'dpo') out.beta = pick(given.beta, 0.1);
  return out;
}

function checkMetadata(m: Record<string, string> | null | undefined): void {
  if (!m) return;
  const entries = Object.entries(m);
  if (entries.length > 16) throw new ApiError(400, 'metadata: at most 16 keys', 'invalid_value', 'metadata');
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw new ApiError(
        400,
        `metadata: key "${k}" is longer than 64 characters`,
        'invalid_value',
        'metadata',
      );
    if (typeof v !== 'string' || v.length > 512)
      throw new ApiError(
        400,
        `metadata.${k}: must be a string of at most 512 characters`,
        'invalid_value',
        'metadata',
      );
  }
}

function addEvent(
  j: StoredJob,
  atMs: number,
  level: JobEvent['level'],
  message: string,
  type: JobEvent['type'] = 'message',
  data?: Record<string, unknown>,
): void {
  j.events.push({
    id: `ftevent-${j.id.slice(6, 22)}${String(j.events.length).padStart(4, '0')}`,
    object: 'fine_tuning.job.event',
    created_at: seconds(atMs),
    level,
    message,
    type,
    ...(data ? { data } : {}),
  });
}

function totalSteps(j: StoredJob): number {
  const examples = j.learned?.examples ?? 0;
  const batch = typeof j.hyperparameters.batch_size === 'number' ? j.hyperparameters.batch_size : 1;
  const epochs = typeof j.hyperparameters.n_epochs === 'number' ? j.hyperparameters.n_epochs : 3;
  return Math.max(1, Math.ceil(examples / Math.max(1, batch)) * epochs);
}

/** A plausible falling loss curve (for events only: what the model learns is the learning rule). */
function lossAt(j: StoredJob, frac: number): number {
  const start = 1.2 + (hashString(j.id) % 40) / 100;
  return Number((start * Math.exp(-2 * frac) + 0.05).toFixed(4));
}

function accuracyAt(frac: number): number {
  return Number(Math.min(0.99, 0.6 + 0.35 * frac).toFixed(4));
}

/** OpenAI's cursor page: items after the one with id `after`, `has_more` when more remain. */
function page<T extends { id: string }>(items: T[], after: string | undefined, limit: number) {
  let start = 0;
  if (after) {
    const i = items.findIndex((x) => x.id === after);
    start = i < 0 ? items.length : i + 1;
  }
  const n = Math.max(1, Math.min(limit, 10_000));
  const data = items.slice(start, start + n);
  return { object: 'list' as const, data, has_more: start + n < items.length };
}
