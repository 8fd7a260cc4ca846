// Start a harvest/eval workflow, or attach to it when that id already runs (idempotent): the CLI
// and the typed client API both go through here.
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { RunConfig } from '../config/run';
import { HARVEST_WORKFLOW_TYPE, type HarvestProgress } from '../shared/harvestApi';
import { MAIN_TASK_QUEUE } from '../shared/taskQueues';
import { SA } from '../shared/searchAttributes';

export type StartOutcome = 'started' | 'attached' | 'already-done' | 'restarted';

export async function startOrAttach(
  client: Client,
  config: RunConfig,
  taskQueue: string = MAIN_TASK_QUEUE,
): Promise<{ handle: WorkflowHandle; outcome: StartOutcome }> {
  const handle = client.workflow.getHandle(config.id);
  let previous: string | null = null;
  try {
    previous = (await handle.describe()).status.name;
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (previous === 'RUNNING') return { handle, outcome: 'attached' };
  if (previous === 'COMPLETED' || previous === 'CONTINUED_AS_NEW') return { handle, outcome: 'already-done' };
  try {
    const started = await client.workflow.start(HARVEST_WORKFLOW_TYPE, {
      workflowId: config.id,
      taskQueue,
      args: [config],
      // A failed/terminated/cancelled run may be started again under its id: finished
      // conversations are kept (their child ids are rejected as duplicates and read back).
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: `${config.mode} ${config.env}/${config.split}: beam ${config.beamSize}, ${config.agentModel}`,
      typedSearchAttributes: [
        { key: SA.kind, value: config.mode === 'eval' ? 'eval' : 'harvest' },
        { key: SA.harvestId, value: config.id },
        { key: SA.env, value: config.env },
        { key: SA.split, value: config.split },
        { key: SA.status, value: 'running' },
      ],
    });
    return { handle: started, outcome: previous ? 'restarted' : 'started' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { handle, outcome: 'attached' };
    throw err;
  }
}

export type { HarvestProgress };
