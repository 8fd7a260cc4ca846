// Reading a run directory for eval, compare and report: harvest.json and the conversation result
// files, each checked with zod at this boundary (one line naming the file and field on a problem).
// Only the fields these commands read are checked; the search tree is parsed only when asked for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import {
  conversationFileNames,
  parseRunFile,
  readRunManifest,
  unfinishedNote,
  type RunManifest,
} from '../export/load';

export type { RunManifest };
import { MessageSchema } from '../export/schema';
import { UserError } from '../util/errors';
import type { RunSide } from './compare';

const UsageSchema = z.object({
  calls: z.number().int().min(0),
  promptTokens: z.number().min(0),
  completionTokens: z.number().min(0),
});
const UsageByRoleSchema = z.object({ agent: UsageSchema, user: UsageSchema });

const OutcomeSchema = z.looseObject({
  version: z.literal(1),
  runId: z.string(),
  mode: z.enum(['harvest', 'baseline', 'eval']),
  env: z.string().min(1),
  taskId: z.string().min(1),
  trial: z.number().int().min(0),
  reward: z.number().min(0).max(1),
  success: z.boolean(),
  goalCount: z.number().int().min(0),
  steps: z.number().int().min(0),
  branches: z.number().int().min(0),
  stopReason: z.string(),
  usage: UsageByRoleSchema,
  workflowId: z.string(),
});
export type ConversationOutcome = z.output<typeof OutcomeSchema>;

const TurnSchema = z.object({
  step: z.number().int(),
  messages: z.array(MessageSchema),
  rewardedGoals: z.array(z.number().int()),
  userReply: z.string().nullable(),
  error: z.string().optional(),
});
const TreeNodeSchema = z.object({
  id: z.number().int().min(0),
  parentId: z.number().int().min(0).nullable(),
  createdAt: z.number().int().min(0),
  turns: z.array(TurnSchema),
  conversationOver: z.boolean(),
  isSuccessful: z.boolean(),
  isGoldenPath: z.boolean(),
  endReason: z.string().optional(),
});
const WithTreeSchema = OutcomeSchema.extend({
  opening: z.string(),
  tree: z.array(TreeNodeSchema).min(1),
  /** The environment's final reward of the scored path and what decided it (absent in older files). */
  finalReward: z.object({ reward: z.number(), info: z.record(z.string(), z.unknown()) }).optional(),
});
/** A result with its search tree (the report's input). The turns' `calls` are not read: a turn's
 * tool calls and results are in its messages. */
export type ConversationWithTree = z.output<typeof WithTreeSchema>;

export interface LoadedRun<T> {
  runDir: string;
  manifest: RunManifest;
  /** Sorted by task id, then trial. */
  conversations: T[];
}

/** A run directory, or a run id under ./runs. */
export function resolveRunDir(arg: string): string {
  const direct = path.resolve(arg);
  if (fs.existsSync(direct)) return direct;
  const underRuns = path.resolve('runs', arg);
  if (!arg.includes(path.sep) && fs.existsSync(underRuns)) return underRuns;
  // A bare run id was looked for in both places: say so.
  throw new UserError(
    `run directory ${direct} does not exist${arg.includes(path.sep) ? '' : ` (nor ${underRuns})`}`,
  );
}

export function loadRunOutcomes(runDir: string): LoadedRun<ConversationOutcome> {
  return loadRun(runDir, OutcomeSchema);
}

export function loadRunWithTrees(runDir: string): LoadedRun<ConversationWithTree> {
  return loadRun(runDir, WithTreeSchema) as LoadedRun<ConversationWithTree>;
}

function loadRun<S extends typeof OutcomeSchema>(runDir: string, schema: S): LoadedRun<z.output<S>> {
  if (!fs.existsSync(runDir)) throw new UserError(`run directory ${runDir} does not exist`);
  if (!fs.statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir} is a file, not a run directory (give the directory runs/<id>)`);
  }
  const manifest = readRunManifest(runDir);
  const { dir, names } = conversationFileNames(runDir);
  const conversations = names.map((n) => parseRunFile(path.join(dir, n), schema));
  conversations.sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : a.trial - b.trial));
  return { runDir, manifest, conversations };
}

/** The key a conversation is paired on across runs. */
export function outcomeKey(c: { taskId: string; trial: number }): string {
  return `${c.taskId}~t${c.trial}`;
}

/** A run directory as one side of a paired comparison (`josh compare`, the loop's rounds). */
export function runSideOf(label: string, runDir: string): RunSide {
  const run = loadRunOutcomes(runDir);
  const c = run.manifest.config;
  return {
    label,
    runId: c.id,
    mode: c.mode,
    env: c.env,
    split: c.split,
    unfinished: unfinishedNote(run.manifest, run.conversations.length),
    agentModel: c.agentModel,
    agentTemperature: c.agentTemperature,
    conversations: run.conversations,
  };
}
