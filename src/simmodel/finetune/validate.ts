// Training-file checks, as OpenAI's fine-tuning API makes them. Two stages, like the real one:
// at upload only "is this JSONL" (every non-blank line one JSON object), so a file that is not
// JSONL at all is refused with a 400; when a job is created, the records are checked against the
// job's method (chat SFT or preference DPO), and a bad record makes the job fail with its line and
// reason. Shapes follow OpenAI's chat and preference input formats (docs/exports.md: what the
// product's openai-sft and openai-dpo exports write).
import { z } from 'zod';

export type TrainingMethod = 'supervised' | 'dpo';

export interface LineError {
  /** 1-based line of the file. */
  line: number;
  reason: string;
}

/** One parsed line of a JSONL file and where it was. */
export interface JsonlLine {
  line: number;
  value: unknown;
}

/** Every non-blank line parsed as a JSON object; the first line that is not one is the error. */
export function parseJsonl(text: string): { lines: JsonlLine[] } | { error: LineError } {
  const lines: JsonlLine[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i].trim();
    if (!t) continue;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      return { error: { line: i + 1, reason: `not valid JSON (${(e as Error).message})` } };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: { line: i + 1, reason: 'each line must be a JSON object' } };
    lines.push({ line: i + 1, value });
  }
  return { lines };
}

// ---- Record shapes ------------------------------------------------------------------------------

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).strict();
const Text = z.union([z.string(), z.array(TextPart).min(1)]);

const ToolCall = z
  .object({
    id: z.string().min(1),
    type: z.literal('function'),
    function: z.object({ name: z.string().min(1), arguments: z.string() }).strict(),
  })
  .strict();

const Assistant = z
  .object({
    role: z.literal('assistant'),
    content: Text.nullable().optional(),
    tool_calls: z.array(ToolCall).min(1).optional(),
    name: z.string().optional(),
    refusal: z.string().nullable().optional(),
    /** OpenAI's per-message switch: weight 0 means "do not learn from this message". */
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
  })
  .strict()
  .refine((m) => (m.content != null && m.content !== '') || m.tool_calls !== undefined, {
    message: 'an assistant message needs content or tool_calls',
  });

const Message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: Text, name: z.string().optional() }).strict(),
  z.object({ role: z.literal('developer'), content: Text, name: z.string().optional() }).strict(),
  z.object({ role: z.literal('user'), content: Text, name: z.string().optional() }).strict(),
  Assistant,
  z.object({ role: z.literal('tool'), content: Text, tool_call_id: z.string().min(1) }).strict(),
]);

const Tool = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().min(1),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullable().optional(),
      })
      .strict(),
  })
  .strict();

const SftRecordSchema = z
  .object({
    messages: z.array(Message).min(1),
    tools: z.array(Tool).optional(),
    parallel_tool_calls: z.boolean().optional(),
  })
  .strict();

const DpoRecordSchema = z
  .object({
    input: z
      .object({
        messages: z.array(Message).min(1),
        tools: z.array(Tool).optional(),
        parallel_tool_calls: z.boolean().optional(),
      })
      .strict(),
    preferred_output: z.array(Assistant).min(1),
    non_preferred_output: z.array(Assistant).min(1),
  })
  .strict();

export type TrainingMessage = z.infer<typeof Message>;
export type AssistantMessage = z.infer<typeof Assistant>;
export type SftRecord = z.infer<typeof SftRecordSchema>;
export type DpoRecord = z.infer<typeof DpoRecordSchema>;

export type TrainingData =
  { method: 'supervised'; records: SftRecord[] } | { method: 'dpo'; records: DpoRecord[] };

function issueText(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** A tool message must answer a call made earlier in the same conversation. */
function orphanTool(messages: TrainingMessage[], prefix: string): string | undefined {
  const ids = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) ids.add(c.id);
    if (m.role === 'tool' && !ids.has(m.tool_call_id))
      return `${prefix}${i}.tool_call_id: "${m.tool_call_id}" answers no earlier tool call`;
  }
  return undefined;
}

function checkSft(value: unknown): { record: SftRecord } | { reason: string } {
  const p = SftRecordSchema.safeParse(value);
  if (!p.success) return { reason: issueText(p.error.issues[0]) };
  const r = p.data;
  if (!r.messages.some((m) => m.role === 'assistant'))
    return { reason: 'messages: at least one assistant message is required' };
  const orphan = orphanTool(r.messages, 'messages.');
  return orphan ? { reason: orphan } : { record: r };
}

function checkDpo(value: unknown): { record: DpoRecord } | { reason: string } {
  const p = DpoRecordSchema.safeParse(value);
  if (!p.success) return { reason: issueText(p.error.issues[0]) };
  const orphan = orphanTool(p.data.input.messages, 'input.messages.');
  return orphan ? { reason: orphan } : { record: p.data };
}

/** The records of a parsed file checked against a method; the first bad record is the error. */
export function validateTraining(
  lines: JsonlLine[],
  method: TrainingMethod,
): { data: TrainingData } | { error: LineError } {
  if (method === 'supervised') {
    const records: SftRecord[] = [];
    for (const l of lines) {
      const r = checkSft(l.value);
      if ('reason' in r) return { error: { line: l.line, reason: r.reason } };
      records.push(r.record);
    }
    return { data: { method, records } };
  }
  const records: DpoRecord[] = [];
  for (const l of lines) {
    const r = checkDpo(l.value);
    if ('reason' in r) return { error: { line: l.line, reason: r.reason } };
    records.push(r.record);
  }
  return { data: { method, records } };
}
