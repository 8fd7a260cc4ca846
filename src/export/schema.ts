// The export boundary: what an exporter needs from a conversation result file, checked with zod.
// Only the fields exports read are validated (the tree and counters may evolve without breaking
// exports); anything else in the file passes through untouched.
import { z } from 'zod';
import type { Message } from '../shared/messages';

const ToolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  // A string means the model produced arguments we could not parse; kept so exports can decide.
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()], {
    error: 'expected an arguments object or the raw string the model produced',
  }),
});

export const MessageSchema: z.ZodType<Message> = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string().nullable(),
    toolCalls: z.array(ToolCallSchema).optional(),
  }),
  z.object({ role: z.literal('tool'), toolCallId: z.string(), name: z.string(), content: z.string() }),
]);

const HarvestedNodeSchema = z.object({
  messages: z.array(MessageSchema),
  isSuccessful: z.boolean(),
  isGoldenPath: z.boolean(),
});

export const ConversationForExportSchema = z.looseObject({
  version: z.literal(1),
  runId: z.string(),
  mode: z.enum(['harvest', 'baseline', 'eval']),
  env: z.string().min(1),
  taskId: z.string().min(1),
  trial: z.number().int().min(0),
  reward: z.number().min(0).max(1),
  success: z.boolean(),
  agentStrategy: z.enum(['function-calling', 'react']),
  goldenPath: z.array(MessageSchema).nullable(),
  harvested: z.array(HarvestedNodeSchema),
});

export type ConversationForExport = z.output<typeof ConversationForExportSchema>;
