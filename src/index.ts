// josh-harvest's public surface: the typed client API another service imports to start, watch,
// control, list and schedule harvests and evals. Everything else in the package is internal.
export { connect, JoshClient, type ConnectOptions, type RunDetails, type StartedRun } from './client/client';
export type { StartOutcome } from './runtime/startRun';
export { generateRunId, type ScheduledRunConfig, type StartConfig } from './client/config';
export {
  InvalidConfigError,
  RunConflictError,
  RunControlError,
  RunFailedError,
  RunNotFoundError,
  type ConfigDifference,
} from './client/errors';
export {
  RUN_KINDS,
  RUN_STATUSES,
  type ListRunsOptions,
  type RunKind,
  type RunStatus,
  type RunSummary,
} from './client/runs';
export {
  OVERLAP_POLICIES,
  type CreateScheduleOptions,
  type OverlapPolicy,
  type ScheduleInfo,
} from './client/schedules';
export { RunConfig, type RunConfigInput } from './config/run';
export {
  HARVEST_WORKFLOW_TYPE,
  type ConcurrencyChange,
  type HarvestProgress,
  type HarvestStatus,
} from './shared/harvestApi';
export { MAIN_TASK_QUEUE } from './shared/taskQueues';
export { UserError } from './util/errors';
// `josh train` and `josh loop` (docs/training.md): pass `joshClient.temporal` as the client.
export {
  getLoopProgress,
  getTrainProgress,
  parseLoopConfig,
  parseTrainConfig,
  startLoop,
  startTrain,
  waitForWorkflow,
} from './client/training';
export { LoopConfig, TrainConfig, type LoopConfigInput, type TrainConfigInput } from './train/config';
export { TRAIN_WORKFLOW_TYPE, type TrainProgress, type TrainStatus } from './train/api';
export { LOOP_WORKFLOW_TYPE, type LoopProgress, type LoopRound } from './train/loopApi';
