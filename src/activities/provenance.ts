// The `recordProvenance` activity: what shapes a run's data — the prompts (their text and content
// hash), the dataset version, the product version, the model names and the endpoint's host name —
// written once into the run directory, and the check that keeps one run on one set of prompts
// across restarts and workers. Secrets never get here: only the endpoint URL's host name is kept.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { checkEnvironmentData, environmentNode, workerPromptsSource, type PromptsSource } from '../env';
import { PROVENANCE_FILE, readProvenance, type Provenance } from '../export/recorded';
import { routeFor, type LlmEndpointConfig } from '../llm/endpoint';
import { writeErrorOf, writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { PRODUCT } from '../util/product';
import { runDirOf } from './runDir';
import type { RecordProvenanceInput, RecordProvenanceOutput } from './types';
import { mkdirs } from '../util/mkdirs';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const short = (hash: string): string => hash.slice(0, 12);

/** The prompts this worker runs with (read once per process, as the environment reads them): a
 * worker's prompts file is the default environment's prompt set (src/env/index.ts). */
export function workerPrompts(promptsFile?: string): PromptsSource {
  return workerPromptsSource(promptsFile);
}

export const describePrompts = (p: PromptsSource): string =>
  p.file === null ? 'the built-in prompts' : `prompts file ${p.file}`;

// ---------------------------------------------------------------------------------------------
// Dataset version: a hash over the names and contents of every file the environment reads,
// computed once per worker and data directory (the files are tens of MB).

export interface DatasetVersion {
  version: string;
  files: { path: string; sha256: string }[];
}

const datasetCache = new Map<string, Promise<DatasetVersion>>();

export function datasetVersion(env: string, dataDir: string): Promise<DatasetVersion> {
  const key = JSON.stringify([env, dataDir]);
  let version = datasetCache.get(key);
  if (!version) {
    version = hashDataset(env, dataDir);
    // A failed read is not remembered: the next call tries again.
    version.catch(() => datasetCache.delete(key));
    datasetCache.set(key, version);
  }
  return version;
}

async function hashDataset(env: string, dataDir: string): Promise<DatasetVersion> {
  // Each environment lists the files it reads (its registry entry); an unknown name is a UserError.
  const names = environmentNode(env)
    .dataFiles(dataDir)
    .map((f) => path.relative(dataDir, f).split(path.sep).join('/'))
    .sort();
  const files: DatasetVersion['files'] = [];
  for (const name of names) {
    const file = path.join(dataDir, name);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch (e) {
      // A data file the environment needs is missing or unreadable: the run cannot start on this
      // data. Said as bad input (not retried: a raw ENOENT was retried until someone noticed).
      const code = (e as NodeJS.ErrnoException).code;
      throw new UserError(
        `${file}: cannot read a data file of the ${env} environment (${code === 'ENOENT' ? 'file not found' : (code ?? String(e))})`,
      );
    }
    files.push({ path: name, sha256: sha256(bytes) });
  }
  return { version: sha256(files.map((f) => `${f.path}\0${f.sha256}\n`).join('')), files };
}

// ---------------------------------------------------------------------------------------------

const TEMPORAL_SDK: string = (
  JSON.parse(fs.readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** The endpoint's host name: no scheme, credentials, port, path or query. */
export function endpointHost(baseURL: string): string {
  try {
    return new URL(baseURL).hostname || 'unknown';
  } catch {
    return 'unknown';
  }
}

function badRunInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'BadRunInput', nonRetryable: true });
}

/** Creates `file` only if it does not exist yet, atomically (a reader never sees half of it):
 * of two executions racing to record one run, exactly one wins. False when it already existed. */
function createFileExclusive(file: string, data: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirs(path.dirname(file));
    fs.writeFileSync(tmp, data);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    // Disk full, read-only, a file in the way: one line naming the path, as for every run write.
    throw writeErrorOf(e, file);
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: check-then-rename, which is as good outside a race.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      if (fs.existsSync(file)) return false;
      writeFileAtomic(file, data);
      return true;
    }
    throw writeErrorOf(e, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface ProvenanceDeps {
  dataDir: string;
  runsRoot: string;
  llm: LlmEndpointConfig;
  promptsFile?: string;
}

export function createProvenanceActivities(deps: ProvenanceDeps) {
  return {
    /**
     * Once at the start of every execution of a harvest or eval (restarts included): records the
     * run's provenance the first time, and afterwards checks that this worker's prompts are the
     * recorded ones (else BadRunInput: a run never continues on other prompts). Returns the
     * recorded prompts hash, which the LLM activities check against their own.
     */
    async recordProvenance(input: RecordProvenanceInput): Promise<RecordProvenanceOutput> {
      let prompts: PromptsSource;
      try {
        prompts = workerPrompts(deps.promptsFile);
      } catch (e) {
        if (e instanceof UserError) throw badRunInput(e.message);
        throw e;
      }
      const runDir = runDirOf(deps.runsRoot, input);
      let dataset: DatasetVersion;
      try {
        dataset = await datasetVersion(input.config.env, deps.dataDir);
        // Every file the run's activities will read, read now on this worker's data directory: a
        // missing or damaged one fails the run's start naming it, instead of each agent turn
        // retrying it for an hour (workers elsewhere are not checked by the CLI that started it).
        checkEnvironmentData(input.config.env, deps.dataDir, {
          promptsFile: deps.promptsFile,
          split: input.config.split,
        });
      } catch (e) {
        if (e instanceof UserError) throw badRunInput(e.message);
        throw e;
      }
      const existing = recorded(runDir);
      if (existing) {
        // Tasks, goals and tool answers come from the data: a restart on other data would mix two
        // datasets in one run's files.
        if (existing.dataset.version !== dataset.version) {
          throw badRunInput(
            `run ${input.runId} was recorded on dataset version ${existing.dataset.version} ` +
              `(${existing.dataset.dataDir}); this worker's data directory ${deps.dataDir} is version ` +
              `${dataset.version}: point the worker at the run's data, or use another run id`,
          );
        }
        return checkRecorded(runDir, existing, prompts);
      }

      const provenance: Provenance = {
        version: 1,
        runId: input.runId,
        env: input.config.env,
        prompts: {
          hash: prompts.hash,
          file: `prompts.${prompts.format}`,
          sha256: sha256(prompts.text),
          source: prompts.file,
        },
        dataset: { version: dataset.version, dataDir: deps.dataDir, files: dataset.files },
        product: { name: PRODUCT.name, version: PRODUCT.version },
        models: {
          agent: input.config.agentModel,
          user: input.config.userModel,
          endpointHost: endpointHost(deps.llm.baseURL),
          // With a models file each role may have its own endpoint: record where each went.
          endpointHosts: {
            agent: endpointHost(routeFor(deps.llm, input.config.agentModel).endpoint.baseURL),
            user: endpointHost(routeFor(deps.llm, input.config.userModel).endpoint.baseURL),
          },
          simulated: deps.llm.simulated,
        },
        runtime: { node: process.version, temporalSdk: TEMPORAL_SDK },
        recordedAt: new Date().toISOString(),
      };
      // provenance.json first, as the one commit point: the prompts text follows, and a crash in
      // between is repaired by the next attempt (checkRecorded rewrites a missing text).
      const file = path.join(runDir, PROVENANCE_FILE);
      if (!createFileExclusive(file, JSON.stringify(provenance, null, 2) + '\n')) {
        const raced = recorded(runDir);
        if (raced) return checkRecorded(runDir, raced, prompts);
      }
      writeFileAtomic(path.join(runDir, provenance.prompts.file), prompts.text);
      return { promptsHash: prompts.hash };
    },
  };
}

function recorded(runDir: string): Provenance | null {
  try {
    return readProvenance(runDir);
  } catch (e) {
    // A damaged record will not mend itself by retrying; say which file.
    if (e instanceof UserError) throw badRunInput(e.message);
    throw e;
  }
}

/** A later execution of a recorded run: the same prompts go on (files left as they are), other
 * prompts are refused naming both hashes and both files. */
function checkRecorded(runDir: string, existing: Provenance, prompts: PromptsSource): RecordProvenanceOutput {
  const textFile = path.join(runDir, existing.prompts.file);
  if (existing.prompts.hash !== prompts.hash) {
    const theirs = existing.prompts.source === null ? 'the built-in prompts' : existing.prompts.source;
    throw badRunInput(
      `run ${existing.runId} was recorded with prompts ${short(existing.prompts.hash)} (${theirs}, kept as ${textFile}) ` +
        `but this worker runs prompts ${short(prompts.hash)} (${describePrompts(prompts)}): ` +
        'restart the worker with the run’s prompts file, or start a new run id',
    );
  }
  // Same prompts. Repair only a text that is missing or not the recorded bytes, with the same bytes.
  if (sha256(prompts.text) === existing.prompts.sha256) {
    let current: string | null = null;
    try {
      current = fs.readFileSync(textFile, 'utf8');
    } catch {
      // missing: written below
    }
    if (current === null || sha256(current) !== existing.prompts.sha256)
      writeFileAtomic(textFile, prompts.text);
  }
  return { promptsHash: existing.prompts.hash };
}
