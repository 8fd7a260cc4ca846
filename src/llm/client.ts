// One chat-completions call through the official SDK, validated at the boundary.
import OpenAI from 'openai';
import { z } from 'zod';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { LlmEndpointConfig } from './endpoint';
import { LLM_MALFORMED, toTemporalFailure } from './errors';
import type { Usage } from '../shared/messages';

const clients = new Map<string, OpenAI>();

function clientFor(cfg: LlmEndpointConfig): OpenAI {
  const key = `${cfg.baseURL}|${cfg.timeoutMs}`;
  let c = clients.get(key);
  if (!c) {
    c = new OpenAI({ baseURL: cfg.baseURL, apiKey: cfg.apiKey, maxRetries: 0, timeout: cfg.timeoutMs });
    clients.set(key, c);
  }
  return c;
}

const Completion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullable().optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.string().optional(),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullable()
            .optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1, 'no choices'),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).partial().optional(),
});

export type CompletionMessage = z.output<typeof Completion>['choices'][number]['message'];

export interface ChatRequest {
  model: string;
  messages: unknown[];
  tools?: unknown[];
  parallel_tool_calls?: boolean;
  temperature: number;
  seed?: number;
  max_tokens?: number;
}

/** Heartbeat while waiting on the model, so a worker that dies mid-call is noticed within the
 * heartbeat timeout (seconds) instead of the call's whole StartToClose budget. */
async function withHeartbeat<T>(work: Promise<T>): Promise<T> {
  // Outside an activity (a script, a unit test) there is nobody to heartbeat to.
  if (!hasActivityContext()) return work;
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function hasActivityContext(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

export const HEARTBEAT_EVERY_MS = 5_000;

export async function chatCompletion(
  cfg: LlmEndpointConfig,
  req: ChatRequest,
  what: string,
): Promise<{ message: CompletionMessage; usage: Usage }> {
  let raw: unknown;
  try {
    raw = await withHeartbeat(clientFor(cfg).chat.completions.create(req as never));
  } catch (err) {
    throw toTemporalFailure(err, what);
  }
  const parsed = Completion.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw ApplicationFailure.create({
      message: `${what}: malformed completion (${i.path.join('.') || 'body'}: ${i.message})`,
      type: LLM_MALFORMED,
      nonRetryable: true,
    });
  }
  const u = parsed.data.usage ?? {};
  return {
    message: parsed.data.choices[0].message,
    usage: { calls: 1, promptTokens: u.prompt_tokens ?? 0, completionTokens: u.completion_tokens ?? 0 },
  };
}
