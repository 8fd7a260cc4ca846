// Token counts for `usage`: no tokenizer, just the usual ~4 characters per token estimate, plus
// a small per-message overhead like OpenAI's chat format. Good enough for cost and throughput
// accounting in benchmarks; not meant to match any real tokenizer.
import type { ChatRequest } from './wire';

const CHARS_PER_TOKEN = 4;
const PER_MESSAGE_OVERHEAD = 4;

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function promptTokens(req: ChatRequest, toolsJson: string): number {
  let n = 3; // reply priming
  for (const m of req.messages) {
    n += PER_MESSAGE_OVERHEAD;
    const c = m.content;
    if (typeof c === 'string') n += estimateTokens(c);
    else if (Array.isArray(c)) for (const p of c) n += estimateTokens(p.text);
    if (m.role === 'assistant' && m.tool_calls) {
      for (const t of m.tool_calls)
        n += estimateTokens(t.function.name) + estimateTokens(t.function.arguments);
    }
  }
  if (toolsJson) n += estimateTokens(toolsJson);
  return n;
}

/** Cuts text to at most `maxTokens` worth of characters (for `finish_reason: length`). */
export function truncateToTokens(text: string, maxTokens: number): string {
  return text.slice(0, maxTokens * CHARS_PER_TOKEN);
}
