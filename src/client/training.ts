// The typed client API of `josh train` and `josh loop`: start (idempotent per id, as runs are),
// read progress, wait for the result. Inputs are checked by their schemas before anything starts;
// a campaign's child configs are checked too, so a bad setting fails here and not in round 2.
import {
  CancelledFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { z } from 'zod';
import { RunConfig, formatZodError } from '../config/run';
import {
  LOOP_SETTINGS_NOT_COMPARED,
  TRAIN_SETTINGS_NOT_COMPARED,
  settingsDifferences,
} from '../config/settingsDiff';
import { SA } from '../shared/searchAttributes';
import { MAIN_TASK_QUEUE } from '../shared/taskQueues';
import type { StartOutcome } from '../runtime/startRun';
import { FINAL_TRAIN_MEMO, TRAIN_WORKFLOW_TYPE, trainProgressQuery, type TrainProgress } from '../train/api';
import {
  LoopConfig,
  TrainConfig,
  defaultFormat,
  type LoopConfigInput,
  type TrainConfigInput,
} from '../train/config';
import { FINAL_LOOP_MEMO, LOOP_WORKFLOW_TYPE, loopProgressQuery, type LoopProgress } from '../train/loopApi';
import { evalInput, harvestInput, trainInput } from '../train/loopPlan';
import { InvalidConfigError, RunConflictError, RunFailedError, searchAttributeRefusal } from './errors';

function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const message = formatZodError(where, parsed.error);
    throw new InvalidConfigError(
      message,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

export function parseTrainConfig(input: TrainConfigInput): TrainConfig {
  return parse(TrainConfig, input, 'train config');
}

/** The campaign config, and the configs of its first round's children (checked, then dropped). */
export function parseLoopConfig(input: LoopConfigInput): LoopConfig {
  const c = parse(LoopConfig, input, 'loop config');
  parse(RunConfig, harvestInput(c, 1, c.agentModel), 'loop config (its harvests)');
  parse(RunConfig, evalInput(c, 0, c.agentModel), 'loop config (its evals)');
  parse(TrainConfig, trainInput(c, 1, c.agentModel, 'runs/x'), 'loop config (its trainings)');
  return c;
}

async function startOrAttachWorkflow(
  client: Client,
  type: string,
  id: string,
  args: unknown[],
  opts: {
    taskQueue: string;
    summary: string;
    attributes: Parameters<Client['workflow']['start']>[1]['typedSearchAttributes'];
    /** The config, recorded in the memo so a second start of the id is compared with it. */
    config: {
      schema: z.ZodObject;
      value: Record<string, unknown> & { id: string };
      notCompared: readonly string[];
      /** Fills what a default stands for in the recorded config (the workflow records its input). */
      normalize?: (recorded: Record<string, unknown>) => Record<string, unknown>;
    };
  },
): Promise<{ handle: WorkflowHandle; outcome: StartOutcome }> {
  const handle = client.workflow.getHandle(id);
  let previous: string | null = null;
  try {
    const d = await handle.describe();
    if (d.type !== type) {
      throw new RunConflictError(id, [{ field: 'workflow type', recorded: d.type, requested: type }], []);
    }
    previous = d.status.name;
    // Running or done, it would be attached to as it is: other settings would be silently ignored
    // (a failed or cancelled one starts again with the new ones). Started by an older version
    // without the memo: not compared.
    const recorded: unknown = d.memo?.config;
    if ((previous === 'RUNNING' || previous === 'COMPLETED') && typeof recorded === 'object' && recorded) {
      const { schema, value, notCompared, normalize = (c) => c } = opts.config;
      const differences = settingsDifferences(
        schema,
        normalize(recorded as Record<string, unknown>),
        value,
        notCompared,
      );
      if (differences.length) throw new RunConflictError(id, differences, notCompared);
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (previous === 'RUNNING') return { handle, outcome: 'attached' };
  if (previous === 'COMPLETED') return { handle, outcome: 'already-done' };
  try {
    const started = await client.workflow.start(type, {
      workflowId: id,
      taskQueue: opts.taskQueue,
      args,
      // A failed or cancelled one starts again: a training finds its job, a campaign its rounds.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: opts.summary,
      typedSearchAttributes: opts.attributes,
      memo: { config: opts.config.value },
    });
    return { handle: started, outcome: previous ? 'restarted' : 'started' };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      throw searchAttributeRefusal(err, client.options.namespace) ?? err;
    return { handle, outcome: 'attached' };
  }
}

export async function startTrain(client: Client, input: TrainConfigInput, taskQueue = MAIN_TASK_QUEUE) {
  const config = parseTrainConfig(input);
  const format = config.format ?? defaultFormat(config.backend);
  const started = await startOrAttachWorkflow(client, TRAIN_WORKFLOW_TYPE, config.id, [config], {
    taskQueue,
    summary: `fine-tune ${config.baseModel} (${config.backend}, ${format}) on ${config.runDir}`,
    attributes: [
      { key: SA.kind, value: 'train' },
      { key: SA.harvestId, value: config.id },
      { key: SA.status, value: 'exporting' },
    ],
    // The format as the training uses it: `--format openai-sft` given or left to its default is one training.
    config: {
      schema: TrainConfig,
      value: { ...config, format },
      notCompared: TRAIN_SETTINGS_NOT_COMPARED,
      normalize: (c) => ({
        ...c,
        format: c.format ?? defaultFormat((c.backend as TrainConfig['backend'] | undefined) ?? 'openai'),
      }),
    },
  });
  return { ...started, config };
}

export async function startLoop(client: Client, input: LoopConfigInput, taskQueue = MAIN_TASK_QUEUE) {
  const config = parseLoopConfig(input);
  const started = await startOrAttachWorkflow(client, LOOP_WORKFLOW_TYPE, config.id, [config], {
    taskQueue,
    summary: `campaign: up to ${config.rounds} rounds from ${config.agentModel} (${config.env} ${config.trainSplit} → ${config.testSplit})`,
    attributes: [
      { key: SA.kind, value: 'loop' },
      { key: SA.harvestId, value: config.id },
      { key: SA.env, value: config.env },
      { key: SA.split, value: config.testSplit },
      { key: SA.status, value: 'running' },
    ],
    config: { schema: LoopConfig, value: config, notCompared: LOOP_SETTINGS_NOT_COMPARED },
  });
  return { ...started, config };
}

/** Live progress, or the final one of a finished, failed or cancelled training / campaign. */
export async function getTrainProgress(client: Client, id: string): Promise<TrainProgress> {
  return progressOf(client, id, trainProgressQuery, FINAL_TRAIN_MEMO);
}

export async function getLoopProgress(client: Client, id: string): Promise<LoopProgress> {
  return progressOf(client, id, loopProgressQuery, FINAL_LOOP_MEMO);
}

async function progressOf<T>(
  client: Client,
  id: string,
  query: typeof trainProgressQuery | typeof loopProgressQuery,
  memoKey: string,
): Promise<T> {
  const handle = client.workflow.getHandle(id);
  const d = await handle.describe();
  if (d.status.name === 'COMPLETED') return (await handle.result()) as T;
  const final = d.memo?.[memoKey];
  if (d.status.name !== 'RUNNING' && final) return final as T;
  return (await handle.query(query as never)) as T;
}

/** The result of a training or campaign; RunFailedError when it failed (a cancelled one resolves
 * with its final progress, status `cancelled`). */
export async function waitForWorkflow<T>(client: Client, id: string, memoKey = FINAL_TRAIN_MEMO): Promise<T> {
  const handle = client.workflow.getHandle(id);
  try {
    return (await handle.result()) as T;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const final = (await handle.describe()).memo?.[memoKey];
    if (err.cause instanceof CancelledFailure && final) return final as T;
    // The innermost cause: a campaign's failure wraps its child's, which wraps an activity's.
    let inner: Error = err;
    while (inner.cause instanceof Error) inner = inner.cause;
    const cause = inner.message || err.message;
    const status = err.cause?.name === 'TerminatedFailure' ? 'terminated' : 'failed';
    throw new RunFailedError(id, status, `${id} ${status}: ${cause}`);
  }
}
