// One builder per export format: a conversation in, that format's JSONL records out (key order as
// written here is the key order in the file). Field conventions are documented in docs/exports.md.
import type { ToolSchema } from '../env/types';
import type { Message } from '../shared/messages';
import { juxtapose, type PromptGroup } from './juxtapose';
import { type Converted, toOpenAi, toShareGpt, toTrl, withSystem } from './messages';
import type { ConversationForExport } from './schema';
import { preferenceSource, sftPath, type Selected } from './select';

export const EXPORT_FORMATS = [
  'openai-sft',
  'trl-sft',
  'trl-kto',
  'trl-dpo',
  'openai-dpo',
  'sharegpt',
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface FormatContext {
  tools: ToolSchema[];
  /** The agent's system prompt to put first, or null to leave it out. */
  systemPrompt: string | null;
  /** Let conversations with partial reward feed KTO/DPO (upstream: successful ones only). */
  includePartial: boolean;
}

export interface ConversationOutput {
  records: object[];
  /** Set when the whole conversation was left out, with the reason. */
  skipped?: string;
  /** Examples left out, by reason. */
  dropped: Record<string, number>;
  /** KTO: records with label true / false. */
  labels?: { desirable: number; undesirable: number };
}

type Builder = (c: ConversationForExport, ctx: FormatContext) => ConversationOutput;

export const BUILDERS: Record<ExportFormat, Builder> = {
  'openai-sft': (c, ctx) =>
    sft(sftPath(c), ctx, toOpenAi, (messages) => ({
      messages,
      tools: ctx.tools,
      parallel_tool_calls: false,
    })),
  'trl-sft': (c, ctx) => sft(sftPath(c), ctx, toTrl, (messages) => ({ messages, tools: ctx.tools })),
  // LLaMA-Factory reads `tools` as a JSON string of bare function definitions.
  sharegpt: (c, ctx) =>
    sft(sftPath(c), ctx, toShareGpt, (conversations) => ({
      conversations,
      tools: JSON.stringify(ctx.tools.map((t) => t.function)),
    })),
  'trl-kto': (c, ctx) => preference(c, ctx, trlKto),
  'trl-dpo': (c, ctx) => preference(c, ctx, pairs(toTrl, trlDpoRecord)),
  'openai-dpo': (c, ctx) => preference(c, ctx, pairs(toOpenAi, openAiDpoRecord)),
};

function sft<T>(
  selected: Selected,
  ctx: FormatContext,
  convert: (m: Message[]) => Converted<T>,
  record: (messages: T[]) => object,
): ConversationOutput {
  if (!selected.ok) return { records: [], skipped: selected.reason, dropped: {} };
  const converted = convert(withSystem(selected.messages, ctx.systemPrompt));
  if (!converted.ok) return { records: [], skipped: converted.problem, dropped: {} };
  return { records: [record(converted.messages)], dropped: {} };
}

type PreferenceBuilder = (groups: PromptGroup[], ctx: FormatContext, out: ConversationOutput) => void;

function preference(
  c: ConversationForExport,
  ctx: FormatContext,
  build: PreferenceBuilder,
): ConversationOutput {
  const source = preferenceSource(c, ctx.includePartial);
  if (!source.ok) return { records: [], skipped: source.reason, dropped: {} };
  const { groups, dropped } = juxtapose(c.harvested);
  const out: ConversationOutput = { records: [], dropped: { ...dropped } };
  build(groups, ctx, out);
  return out;
}

function countDrop(out: ConversationOutput, reason: string): void {
  out.dropped[reason] = (out.dropped[reason] ?? 0) + 1;
}

/** Converts prompt + completions together so tool results in the prompt are checked against
 * their calls, then splits them again. */
function convertExample<T>(
  convert: (m: Message[]) => Converted<T>,
  prompt: Message[],
  completions: Message[],
): { prompt: T[]; completions: T[] } | { problem: string } {
  const converted = convert([...prompt, ...completions]);
  if (!converted.ok) return { problem: converted.problem };
  return {
    prompt: converted.messages.slice(0, prompt.length),
    completions: converted.messages.slice(prompt.length),
  };
}

/** KTO: each golden completion labelled true, each juxtaposed failed completion false. */
function trlKto(groups: PromptGroup[], ctx: FormatContext, out: ConversationOutput): void {
  out.labels = { desirable: 0, undesirable: 0 };
  for (const g of groups) {
    const prompt = withSystem(g.prompt, ctx.systemPrompt);
    const labelled = [
      ...g.positives.map((m) => ({ m, label: true })),
      ...g.negatives.map((m) => ({ m, label: false })),
    ];
    for (const { m, label } of labelled) {
      const ex = convertExample(toTrl, prompt, [m]);
      if ('problem' in ex) {
        countDrop(out, ex.problem);
        continue;
      }
      out.records.push({ prompt: ex.prompt, completion: ex.completions, label, tools: ctx.tools });
      if (label) out.labels.desirable++;
      else out.labels.undesirable++;
    }
  }
}

/** DPO pairing: every failed completion at a prompt against the first golden completion there
 * (there is one golden completion per prompt in a JOSH tree; "first" only fixes the order). */
function pairs<T>(
  convert: (m: Message[]) => Converted<T>,
  record: (prompt: T[], chosen: T, rejected: T, ctx: FormatContext) => object,
): PreferenceBuilder {
  return (groups, ctx, out) => {
    for (const g of groups) {
      const [chosen] = g.positives;
      const prompt = withSystem(g.prompt, ctx.systemPrompt);
      for (const rejected of g.negatives) {
        const chosenEx = convertExample(convert, prompt, [chosen]);
        if ('problem' in chosenEx) {
          countDrop(out, chosenEx.problem);
          continue;
        }
        const rejectedEx = convertExample(convert, prompt, [rejected]);
        if ('problem' in rejectedEx) {
          countDrop(out, rejectedEx.problem);
          continue;
        }
        out.records.push(record(chosenEx.prompt, chosenEx.completions[0], rejectedEx.completions[0], ctx));
      }
    }
  };
}

function trlDpoRecord<T>(prompt: T[], chosen: T, rejected: T, ctx: FormatContext): object {
  return { prompt, chosen: [chosen], rejected: [rejected], tools: ctx.tools };
}

function openAiDpoRecord<T>(prompt: T[], chosen: T, rejected: T, ctx: FormatContext): object {
  return {
    input: { messages: prompt, tools: ctx.tools, parallel_tool_calls: false },
    preferred_output: [chosen],
    non_preferred_output: [rejected],
  };
}
