// What each round of a campaign runs, as plain inputs (workflow-safe: no zod): the ids of its
// child workflows and the configs of its harvest, training and eval. Pure, so a restarted campaign
// asks for exactly the same children and the client can check them before starting anything.
import type { RunConfigInput } from '../config/run';
import type { LoopConfig, TrainConfigInput } from './config';

export const childIds = (loopId: string, round: number) => ({
  harvest: `${loopId}-r${round}-harvest`,
  train: `${loopId}-r${round}-train`,
  eval: `${loopId}-r${round}-eval`,
});

const common = (c: LoopConfig, agentModel: string) => ({
  env: c.env,
  agentModel,
  userModel: c.userModel,
  userSim: c.userSim,
  agentStrategy: c.agentStrategy,
  agentTemperature: c.agentTemperature,
  concurrency: c.concurrency,
  beamSize: c.beamSize,
  branching: c.branching,
  maxSteps: c.maxSteps,
  maxAgentCallsPerTurn: c.maxAgentCallsPerTurn,
  ...(c.prices ? { prices: c.prices } : {}),
});

/** The round's harvest on the train split with the current model; its own seed per round. */
export function harvestInput(c: LoopConfig, round: number, agentModel: string): RunConfigInput {
  return {
    ...common(c, agentModel),
    id: childIds(c.id, round).harvest,
    mode: c.harvestMode,
    split: c.trainSplit,
    ...(c.trainTaskIds ? { taskIds: c.trainTaskIds } : {}),
    ...(c.trainLimit ? { limit: c.trainLimit } : {}),
    seed: `${c.seed ?? c.id}/r${round}/harvest`,
  };
}

/** Round 0 evaluates the base model. Every round's eval has the same seed: the user simulator
 * then meets each model with the same randomness, so the paired deltas measure the model. */
export function evalInput(c: LoopConfig, round: number, agentModel: string): RunConfigInput {
  return {
    ...common(c, agentModel),
    id: childIds(c.id, round).eval,
    mode: 'eval',
    split: c.testSplit,
    ...(c.testTaskIds ? { taskIds: c.testTaskIds } : {}),
    ...(c.testLimit ? { limit: c.testLimit } : {}),
    includeUnsolvable: true,
    seed: `${c.seed ?? c.id}/eval`,
  };
}

export function trainInput(
  c: LoopConfig,
  round: number,
  baseModel: string,
  runDir: string,
): TrainConfigInput {
  return {
    id: childIds(c.id, round).train,
    backend: 'openai',
    runDir,
    format: c.format,
    includePartial: c.includePartial,
    ...(c.maxExamples ? { maxExamples: c.maxExamples } : {}),
    baseModel,
    hyperparameters: c.hyperparameters,
    pollSeconds: c.pollSeconds,
  };
}
