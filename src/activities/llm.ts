// LLM activities (served on the LLM task queue): one agent call, one user-simulator reply.
// System prompts, tool schemas and the user's goal are rebuilt here from the environment, so the
// workflow history carries only the conversation itself.
import { ApplicationFailure } from '@temporalio/common';
import { getEnvironment, type EnvironmentOptions } from '../env';
import { buildAgentRequest, parseAgentReply } from '../agent';
import { chatCompletion } from '../llm/client';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { emptyUsage } from '../shared/messages';
import { describePrompts, workerPrompts } from './provenance';
import type { AgentCallInput, AgentCallOutput, UserTurnInput, UserTurnOutput } from './types';

/** A run's LLM calls all use the prompts it recorded: a worker started with other prompts refuses
 * (the workflow fails the conversation visibly) instead of mixing two prompts in one run's data.
 * No hash (histories from before provenance): nothing to check against. */
function checkPrompts(runHash: string | undefined, promptsFile: string | undefined): void {
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

export function createLlmActivities(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  return {
    async agentCall(input: AgentCallInput): Promise<AgentCallOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      const env = getEnvironment(input.env, dataDir, envOptions);
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
      );
      return { action: parseAgentReply(input.strategy, message), usage };
    },

    async userTurn(input: UserTurnInput): Promise<UserTurnOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      const env = getEnvironment(input.env, dataDir, envOptions);
      const plan = env.userTurn(env.getTask(input.taskId), input.userSim, input.conversation);
      if (plan.kind === 'fixed') return { text: plan.text, usage: emptyUsage() };
      const { message, usage } = await chatCompletion(
        endpoint,
        { model: input.model, messages: plan.messages, temperature: 0 },
        `user model ${input.model}`,
      );
      return { text: (message.content ?? '').trim(), usage };
    },
  };
}
