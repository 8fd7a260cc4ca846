// LLM activities (served on the LLM task queue): one agent turn, one agent call (histories from
// before issue 17), one user-simulator reply.
// System prompts, tool schemas and the user's goal are rebuilt here from the environment, so the
// workflow history carries only the conversation itself.
import { getEnvironment, type EnvironmentOptions } from '../env';
import { chatCompletion } from '../llm/client';
import { createAgentTurnActivity } from './turn';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { emptyUsage } from '../shared/messages';
import { callAgentModel, checkPrompts } from './agentModel';
import type { AgentCallInput, AgentCallOutput, UserTurnInput, UserTurnOutput } from './types';

export function createLlmActivities(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  return {
    async agentCall(input: AgentCallInput): Promise<AgentCallOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      return callAgentModel(getEnvironment(input.env, dataDir, envOptions), endpoint, input);
    },

    // One whole agent turn: its model calls and tool calls (issue 17).
    agentTurn: createAgentTurnActivity(dataDir, endpoint, envOptions),

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
