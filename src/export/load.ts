// Reads a run directory's conversation results for export: every file is parsed and validated
// before anything is written, so a bad file stops the export with one line naming file and field.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { RunConfig } from '../config/run';
import { UserError } from '../util/errors';
import { ConversationForExportSchema, type ConversationForExport } from './schema';

export interface LoadedConversation {
  file: string;
  result: ConversationForExport;
}

export function conversationsDir(runDir: string): string {
  return path.join(runDir, 'conversations');
}

/** The names of a run's conversation result files; one line when there are none, or when
 * `conversations` is not a directory. Temp files of atomic writes end in something other than
 * .json, so a run being written is read safely. */
export function conversationFileNames(runDir: string): { dir: string; names: string[] } {
  const dir = conversationsDir(runDir);
  let names: string[] = [];
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) {
      throw new UserError(
        `${dir} is a file, not a directory (a run keeps its results in conversations/<taskId>.json)`,
      );
    }
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (e) {
      // Said as a read: the caller's catch would otherwise report it as a failed write.
      throw new UserError(`${dir}: cannot list the run's conversations (${errCode(e)})`);
    }
  }
  if (names.length === 0) {
    throw new UserError(`no conversations in ${runDir} (expected ${path.join(dir, '<taskId>.json')})`);
  }
  return { dir, names };
}

/** harvest.json: the run's config and how it ended. Only what the readers use is checked. */
export const RunManifestSchema = z.looseObject({
  config: RunConfig,
  status: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  summary: z.looseObject({ total: z.number().int().min(0) }).optional(),
});
export type RunManifest = z.output<typeof RunManifestSchema>;

/** A run directory's harvest.json, validated: every command that reads a run reads it, so a
 * directory without one, or with a damaged one, is refused the same way everywhere. */
export function readRunManifest(runDir: string): RunManifest {
  const file = path.join(runDir, 'harvest.json');
  if (!fs.existsSync(file)) throw new UserError(`${runDir} is not a run directory (it has no harvest.json)`);
  return parseRunFile(file, RunManifestSchema);
}

/** What to tell the user when a run's files are not the whole run (still running, paused, an
 * interrupted CLI's run, a cancelled one), or null when the run ended. */
export function unfinishedNote(manifest: RunManifest, written: number): string | null {
  const { status } = manifest;
  if (status !== 'running' && status !== 'paused' && status !== 'cancelled') return null;
  const how = status === 'cancelled' ? 'was cancelled' : `has not finished (harvest.json: "${status}")`;
  const total = manifest.summary?.total;
  const of = total !== undefined ? ` of ${total}` : '';
  return `run ${manifest.config.id} ${how}: only the ${written}${of} conversation${written === 1 ? '' : 's'} written so far`;
}

/** All conversation results of a run, sorted by task id then trial (the export order). */
export function loadRun(runDir: string): LoadedConversation[] {
  if (!fs.existsSync(runDir)) throw new UserError(`run directory ${runDir} does not exist`);
  if (!fs.statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir} is a file, not a run directory (give the directory runs/<id>)`);
  }
  readRunManifest(runDir); // a run directory, whole, before its conversations are read
  const { dir, names } = conversationFileNames(runDir);
  const loaded = names.map((name) => {
    const file = path.join(dir, name);
    return { file, result: parseConversationFile(file) };
  });
  loaded.sort((a, b) => compareConversations(a.result, b.result) || compareStrings(a.file, b.file));
  return loaded;
}

export function parseConversationFile(file: string): ConversationForExport {
  return parseRunFile(file, ConversationForExportSchema);
}

/** One JSON file of a run, validated: a file that cannot be read, is not JSON or does not match is
 * one line naming the file (and the field). */
export function parseRunFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read it (${errCode(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: ${firstIssue(parsed.error)}`);
  return parsed.data as z.output<S>;
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

function firstIssue(err: z.ZodError): string {
  const [issue] = err.issues;
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problems)` : '';
  return `${where}: ${issue.message}${more}`;
}

// Code-unit order, not localeCompare: the output must not depend on the machine's locale.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareConversations(a: ConversationForExport, b: ConversationForExport): number {
  return compareStrings(a.taskId, b.taskId) || a.trial - b.trial;
}
