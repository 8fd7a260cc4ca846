// What a run recorded of itself (provenance.json, written once by the `recordProvenance`
// activity) and the prompts it ran with, read back: exports build their system prompts from these,
// not from whatever prompts the exporting machine has now.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { workerPromptsEnv } from '../env';
import type { AgentStrategy, ToolSchema } from '../env/types';
import { UserError } from '../util/errors';

export const PROVENANCE_FILE = 'provenance.json';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');

export const ProvenanceSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  env: z.string(),
  prompts: z.object({
    /** Content hash of the effective prompts (see promptsHash). */
    hash: Sha256,
    /** The prompts text in the run directory: prompts.yaml or prompts.json. */
    file: z.enum(['prompts.yaml', 'prompts.json']),
    /** sha256 of that file's bytes. */
    sha256: Sha256,
    /** The prompts file the worker was given, or null for the built-in prompts. */
    source: z.string().nullable(),
  }),
  dataset: z.object({
    /** sha256 over the names and contents of every data file the environment reads. */
    version: Sha256,
    dataDir: z.string(),
    files: z.array(z.object({ path: z.string(), sha256: Sha256 })),
  }),
  product: z.object({ name: z.string(), version: z.string() }),
  models: z.object({
    agent: z.string(),
    user: z.string(),
    /** The endpoint's host name only: never a key, credentials, port, path or query. */
    endpointHost: z.string(),
    /** Each role's endpoint host when a models file routes them (absent in older runs). */
    endpointHosts: z.object({ agent: z.string(), user: z.string() }).optional(),
    simulated: z.boolean(),
  }),
  runtime: z.object({ node: z.string(), temporalSdk: z.string() }),
  recordedAt: z.string(),
});
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const provenanceFile = (runDir: string): string => path.join(runDir, PROVENANCE_FILE);

/** provenance.json of a run directory, or null when the run recorded none (made before it existed). */
export function readProvenance(runDir: string): Provenance | null {
  const file = provenanceFile(runDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = ProvenanceSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UserError(`${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return parsed.data;
}

export interface RecordedPrompts {
  /** The run's environment. */
  env: string;
  /** The environment whose prompt set the recorded prompts are (a worker's prompts file's). */
  promptsEnv: string;
  /** The agent's system prompt the recorded prompts give. */
  agentSystemPrompt(strategy: AgentStrategy, tools: ToolSchema[]): string;
  hash: string;
  file: string;
}

/** The prompts a run recorded, checked against the hash it recorded for them; null when the run
 * recorded none. A recorded file that was edited since is an error, not a silent substitute. */
export function readRecordedPrompts(runDir: string): RecordedPrompts | null {
  const provenance = readProvenance(runDir);
  if (!provenance) return null;
  const file = path.join(runDir, provenance.prompts.file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: cannot read the run's recorded prompts (${code === 'ENOENT' ? 'file not found' : code}), which ${PROVENANCE_FILE} names`,
    );
  }
  // The worker recorded its prompts file's text: a prompt set of the worker-prompts environment.
  const { env: promptsEnv, support } = workerPromptsEnv();
  const { hash, agentSystemPrompt } = support.recorded(file, text);
  if (hash !== provenance.prompts.hash) {
    throw new UserError(
      `${file}: the recorded prompts hash to ${hash.slice(0, 12)}, not ${provenance.prompts.hash.slice(0, 12)} as ${PROVENANCE_FILE} says: the file was changed after the run`,
    );
  }
  return { env: provenance.env, promptsEnv, agentSystemPrompt, hash, file };
}
