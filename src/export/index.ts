// `exportRun`: a run directory's conversation results → one training-data JSONL file in a chosen
// format (spec 3), with a summary of what was written and what was left out and why.
import * as path from 'node:path';
import type { AgentStrategy, Environment } from '../env/types';
import { BUILDERS, EXPORT_FORMATS, type ExportFormat, type FormatContext } from './formats';
import { loadRun, readRunManifest, unfinishedNote } from './load';
import { PROVENANCE_FILE, readRecordedPrompts, type RecordedPrompts } from './recorded';
import type { ConversationForExport } from './schema';
import { writeJsonlAtomic } from './jsonl';

export { EXPORT_FORMATS, type ExportFormat } from './formats';

/** What an export needs from an environment: the tool schemas and the agent's system prompt. */
export type ExportEnvironment = Pick<Environment, 'tools' | 'agentSystemPrompt'>;

export interface ExportOptions {
  /** The environment a conversation ran in, by its `env` name (e.g. `getEnvironment(name, dataDir)`). */
  environment: (envName: string) => ExportEnvironment;
  /** Output file; default `<runDir>/exports/<format>.jsonl`. */
  out?: string;
  /** Put the agent's system prompt first in every example (default true). */
  system?: boolean;
  /** Let conversations with partial reward feed KTO/DPO (default false, as upstream). */
  includePartial?: boolean;
  /** Where a one-line warning goes (default stderr). */
  warn?: (line: string) => void;
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  examples: number;
  /** KTO only: examples labelled true / false. */
  labels?: { desirable: number; undesirable: number };
  conversations: { read: number; used: number };
  /** Conversations left out entirely, by reason. */
  droppedConversations: Record<string, number>;
  /** Single examples left out of otherwise used conversations, by reason. */
  droppedExamples: Record<string, number>;
}

export function defaultExportPath(runDir: string, format: ExportFormat): string {
  return path.join(runDir, 'exports', `${format}.jsonl`);
}

/** Loads and validates every conversation first, then streams the records to a temp file that
 * is renamed into place: a bad input leaves no output behind, and a large run never has to fit
 * in one string. */
export function exportRun(runDir: string, format: ExportFormat, opts: ExportOptions): ExportSummary {
  const conversations = loadRun(runDir).map((l) => l.result);
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  // A run still going (or an interrupted CLI's): exported all the same, said so.
  const unfinished = unfinishedNote(readRunManifest(runDir), conversations.length);
  if (unfinished) warn(`warning: ${unfinished}`);
  // System prompts come from what the run recorded, never from this machine's prompts now.
  let recorded: RecordedPrompts | null = null;
  if (opts.system !== false) {
    recorded = readRecordedPrompts(runDir);
    if (!recorded) {
      warn(
        `warning: ${runDir} has no ${PROVENANCE_FILE} (a run from before prompts were recorded): ` +
          'its system prompts are built from the current prompts, which may not be the ones its agent saw',
      );
    }
  }
  const out = opts.out ?? defaultExportPath(runDir, format);
  const summary = writeJsonlAtomic(out, (write) =>
    exportRecords(conversations, format, opts, (records) => write(toJsonl(records)), recorded),
  );
  return { ...summary, out };
}

/** The pure part, whole: conversations (in export order) → file text and summary. */
export function buildExport(
  conversations: ConversationForExport[],
  format: ExportFormat,
  opts: Omit<ExportOptions, 'out'>,
): { text: string; summary: Omit<ExportSummary, 'out'> } {
  const chunks: string[] = [];
  const summary = exportRecords(conversations, format, opts, (records) => chunks.push(toJsonl(records)));
  return { text: chunks.join(''), summary };
}

/** Runs the format's builder over each conversation, handing its records on as they are made. */
function exportRecords(
  conversations: ConversationForExport[],
  format: ExportFormat,
  opts: Omit<ExportOptions, 'out'>,
  emit: (records: object[]) => void,
  recorded: RecordedPrompts | null = null,
): Omit<ExportSummary, 'out'> {
  const summary: Omit<ExportSummary, 'out'> = {
    format,
    examples: 0,
    conversations: { read: conversations.length, used: 0 },
    droppedConversations: {},
    droppedExamples: {},
  };
  const contextFor = contextResolver(opts, recorded);
  for (const c of conversations) {
    const result = BUILDERS[format](c, contextFor(c.env, c.agentStrategy));
    if (result.skipped) add(summary.droppedConversations, result.skipped, 1);
    for (const [reason, n] of Object.entries(result.dropped)) add(summary.droppedExamples, reason, n);
    if (result.labels) {
      summary.labels ??= { desirable: 0, undesirable: 0 };
      summary.labels.desirable += result.labels.desirable;
      summary.labels.undesirable += result.labels.undesirable;
    }
    if (result.records.length > 0) {
      summary.conversations.used++;
      summary.examples += result.records.length;
      emit(result.records);
    }
  }
  return summary;
}

// One record per line; key order is the order the builders write (same input, same bytes).
function toJsonl(records: object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

function contextResolver(opts: Omit<ExportOptions, 'out'>, recorded: RecordedPrompts | null) {
  const envs = new Map<string, ExportEnvironment>();
  const systemPrompt = (envName: string, env: ExportEnvironment, strategy: AgentStrategy): string => {
    // The recorded prompts give the system prompt of the environment whose prompt set they are.
    if (recorded && recorded.env === envName && recorded.promptsEnv === envName) {
      return recorded.agentSystemPrompt(strategy, env.tools());
    }
    return env.agentSystemPrompt(strategy);
  };
  return (envName: string, strategy: AgentStrategy): FormatContext => {
    let env = envs.get(envName);
    if (!env) {
      env = opts.environment(envName);
      envs.set(envName, env);
    }
    return {
      tools: env.tools(),
      systemPrompt: opts.system === false ? null : systemPrompt(envName, env, strategy),
      includePartial: opts.includePartial ?? false,
    };
  };
}

function add(counts: Record<string, number>, reason: string, n: number): void {
  counts[reason] = (counts[reason] ?? 0) + n;
}

export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

/** Several formats' summaries as a table (the demo's "Training data"): each format's examples, how
 * many conversations it used, its file; then why the other conversations were left out, one line
 * per distinct set of reasons with the formats that share it (SFT and DPO share their selection),
 * so "7 successful, 5 SFT examples" is explained where it is shown. */
export function formatTrainingData(summaries: ExportSummary[]): string {
  if (summaries.length === 0) return 'Training data: none exported';
  const lines = ['Training data:'];
  for (const s of summaries) {
    const used = `${s.conversations.used}/${s.conversations.read}`.padStart(5);
    lines.push(
      `  ${s.format.padEnd(11)} ${String(s.examples).padStart(5)} examples  from ${used} conversations  ${s.out}`,
    );
  }
  const byReasons = new Map<string, ExportFormat[]>();
  for (const s of summaries) {
    const reasons = reasonList(s.droppedConversations);
    if (!reasons) continue;
    byReasons.set(reasons, [...(byReasons.get(reasons) ?? []), s.format]);
  }
  if (byReasons.size > 0)
    lines.push('Conversations left out (`josh export RUN_DIR --format F` lists the same):');
  for (const [reasons, formats] of byReasons) lines.push(`  ${formats.join(', ')}: ${reasons}`);
  return lines.join('\n');
}

/** "2 error marker on the golden path; 3 not successful (reward < 1)": counts by reason, sorted by
 * reason; empty when there are none. */
function reasonList(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([r, n]) => `${n} ${r}`)
    .join('; ');
}

/** The summary as the CLI prints it. */
export function formatExportSummary(s: ExportSummary): string {
  const lines = [`${s.format}: ${s.examples} examples written to ${s.out}`];
  if (s.labels) lines.push(`  labels: ${s.labels.desirable} desirable, ${s.labels.undesirable} undesirable`);
  lines.push(`  conversations: ${s.conversations.read} read, ${s.conversations.used} used`);
  for (const [title, counts] of [
    ['dropped conversations', s.droppedConversations],
    ['dropped examples', s.droppedExamples],
  ] as const) {
    const reasons = reasonList(counts);
    if (reasons) lines.push(`  ${title}: ${reasons}`);
  }
  if (s.examples === 0) lines.push('  warning: the file is empty');
  return lines.join('\n');
}
