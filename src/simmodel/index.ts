// The simulated model server: an offline OpenAI-compatible stand-in for the ToolWOZ agent and
// caller LLMs (docs/simulated-model.md). Import from here; the rest of the folder is internal.
export {
  createSimModelServer,
  SimModelOptionsSchema,
  type SimModelOptions,
  type SimModelServer,
  type SimModelStats,
  keyFingerprint,
} from './server';
export { FLOOR, HALF_AT, LESSONS, learnRates, learningFactor, type Lesson } from './finetune/learning';
export { TOOLWOZ_LESSONS } from './finetune/lessons';
export { TAU_LESSONS } from './finetune/tauLessons';
export { FAIL_METADATA_KEY } from './finetune/store';
export { createModel, type Model, type ModelReply, type RespondOptions, type RoleKind } from './model';
export {
  DEFAULT_ERROR_RATES,
  ERROR_KINDS,
  parseErrorRates,
  scaledRates,
  type ErrorRates,
} from './errorModel';
export { FAULT_KINDS, parseFaultSpec, type FaultKind, type FaultRates } from './faults';
export { parseGoal, type ParsedGoal, type DomainGoal } from './goalParser';
