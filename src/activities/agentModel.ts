// The agent's model call and the prompts check, shared by the per-call activity (histories from
// before issue 17) and the whole-turn activity.
import { ApplicationFailure } from '@temporalio/common';
import { buildAgentRequest, parseAgentReply } from '../agent';
import { chatCompletion, type ChatOptions } from '../llm/client';
import type { LlmEndpointConfig } from '../llm/endpoint';
import type { Environment } from '../env/types';
import { describePrompts, workerPrompts } from './provenance';
import type { AgentCallInput, AgentCallOutput } from './types';

/** A run's LLM calls all use the prompts it recorded: a worker started with other prompts refuses
 * (the workflow fails the conversation visibly) instead of mixing two prompts in one run's data.
 * No hash (histories from before provenance): nothing to check against. */
export function checkPrompts(runHash: string | undefined, promptsFile: string | undefined): void {
  if (runHash === undefined) return;
  const mine = workerPrompts(promptsFile);
  if (mine.hash === runHash) return;
  throw ApplicationFailure.create({
    type: 'PromptsMismatch',
    nonRetryable: true,
    message:
      `this worker's prompts ${mine.hash.slice(0, 12)} (${describePrompts(mine)}) are not the run's prompts ` +
      `${runHash.slice(0, 12)} (recorded in its run directory): start this worker with the run's prompts file, ` +
      'or keep workers with other prompts on another task queue',
  });
}

/** One model call of an agent turn, parsed by the strategy into one action. */
export async function callAgentModel(
  env: Environment,
  endpoint: LlmEndpointConfig,
  input: AgentCallInput,
  opts: ChatOptions = {},
): Promise<AgentCallOutput> {
  const body = buildAgentRequest(
    input.strategy,
    env.agentSystemPrompt(input.strategy),
    env.tools(),
    input.history,
  );
  const { message, usage } = await chatCompletion(
    endpoint,
    { ...body, model: input.model, temperature: input.temperature, seed: input.seed },
    `agent model ${input.model}`,
    opts,
  );
  return { action: parseAgentReply(input.strategy, message), usage };
}
