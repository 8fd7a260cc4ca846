// LLM activities (served on the LLM task queue): one agent call, one user-simulator reply.
// System prompts, tool schemas and the user's goal are rebuilt here from the environment, so the
// workflow history carries only the conversation itself.
import { getEnvironment, type EnvironmentOptions } from '../env';
import { buildAgentRequest, parseAgentReply } from '../agent';
import { chatCompletion } from '../llm/client';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { emptyUsage } from '../shared/messages';
import type { AgentCallInput, AgentCallOutput, UserTurnInput, UserTurnOutput } from './types';

export function createLlmActivities(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  return {
    async agentCall(input: AgentCallInput): Promise<AgentCallOutput> {
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
