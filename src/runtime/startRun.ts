// Start a harvest/eval workflow, or attach to it when that id already runs (idempotent): the CLI
// and the typed client API both go through here. An id is one run: asking for it again with other
// settings (or another mode) is refused with the fields that differ, never silently reused.
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { RunConfig } from '../config/run';
import { InvalidConfigError, RunConflictError, searchAttributeRefusal } from '../client/errors';
import { SETTINGS_NOT_COMPARED, configDifferences } from '../config/settingsDiff';
import { HARVEST_WORKFLOW_TYPE, type HarvestProgress } from '../shared/harvestApi';
import { MAIN_TASK_QUEUE } from '../shared/taskQueues';
import { SA } from '../shared/searchAttributes';

export type StartOutcome = 'started' | 'attached' | 'already-done' | 'restarted';

export async function startOrAttach(
  client: Client,
  config: RunConfig,
  taskQueue: string = MAIN_TASK_QUEUE,
): Promise<{ handle: WorkflowHandle; outcome: StartOutcome }> {
  refuseDuplicateTasks(config);
  const handle = client.workflow.getHandle(config.id);
  let previous: string | null = null;
  try {
    const d = await handle.describe();
    previous = d.status.name;
    refuseOtherSettings(config, d);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  if (previous === 'RUNNING') return { handle, outcome: 'attached' };
  if (previous === 'COMPLETED' || previous === 'CONTINUED_AS_NEW') {
    // A finished run is reused as it is, unless some of its conversations failed: starting it
    // again runs those (and only those; the others' results are read back).
    if (!(await hadFailures(handle))) return { handle, outcome: 'already-done' };
  }
  try {
    const started = await client.workflow.start(HARVEST_WORKFLOW_TYPE, {
      workflowId: config.id,
      taskQueue,
      args: [config],
      // A failed/terminated/cancelled run may be started again under its id: finished
      // conversations are kept (their child ids are rejected as duplicates and read back).
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // The workflow records it too, but only once its first task runs: a second starter racing
      // this one must find it at once to compare settings.
      memo: { config },
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
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      throw searchAttributeRefusal(err, client.options.namespace) ?? err;
    // Someone started it between our describe and our start: it must be the same run.
    refuseOtherSettings(config, await handle.describe());
    return { handle, outcome: 'attached' };
  }
}

/** Refuses a config that an existing run under its id would not match (other settings, another
 * mode, a task listed twice), without starting anything: a caller's early check. */
export async function checkAgainstExistingRun(client: Client, config: RunConfig): Promise<void> {
  refuseDuplicateTasks(config);
  try {
    refuseOtherSettings(config, await client.workflow.getHandle(config.id).describe());
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** A task listed twice would be run and counted twice. */
function refuseDuplicateTasks(config: RunConfig): void {
  const seen = new Set<string>();
  for (const id of config.taskIds ?? []) {
    const bare = id.replace(/\.json$/, '');
    if (seen.has(bare)) {
      throw new InvalidConfigError(`taskIds: "${id}" is listed twice`, [
        { path: 'taskIds', message: `"${id}" is listed twice` },
      ]);
    }
    seen.add(bare);
  }
}

function refuseOtherSettings(requested: RunConfig, existing: WorkflowExecutionDescription): void {
  // The id may be taken by a workflow that is not a run at all (another application's).
  if (existing.type !== HARVEST_WORKFLOW_TYPE) {
    throw new RunConflictError(
      requested.id,
      [{ field: 'workflow type', recorded: existing.type, requested: HARVEST_WORKFLOW_TYPE }],
      [],
    );
  }
  const recorded: unknown = existing.memo?.config;
  // A run without a recorded config (started by an older version) cannot be compared.
  if (typeof recorded !== 'object' || recorded === null) return;
  const differences = configDifferences(recorded as Record<string, unknown>, requested);
  if (differences.length) throw new RunConflictError(requested.id, differences, SETTINGS_NOT_COMPARED);
}

export type { HarvestProgress };

/** Whether a completed run's final progress counts failed conversations. */
async function hadFailures(handle: WorkflowHandle): Promise<boolean> {
  const progress = (await handle.result().catch(() => null)) as HarvestProgress | null;
  return (progress?.failed ?? 0) > 0;
}
