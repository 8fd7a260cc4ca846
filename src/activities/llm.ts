// LLM activities (served on the LLM task queue): agent turns (one, or a search step's), one agent
// call (histories from before issue 17), user-simulator replies (one, or a search step's).
// System prompts, tool schemas and the user's goal are rebuilt here from the environment, so the
// workflow history carries only the conversation itself.
import { Context } from '@temporalio/activity';
import { getEnvironment, type EnvironmentOptions } from '../env';
import { chatCompletion, type ChatOptions } from '../llm/client';
import { createAgentTurnActivities, ownModelFailure } from './turn';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { emptyUsage } from '../shared/messages';
import { callAgentModel, checkPrompts } from './agentModel';
import { resumedBatch, runBatch } from './batch';
import type {
  AgentCallInput,
  AgentCallOutput,
  UserRepliesInput,
  UserRepliesOutput,
  UserTurnInput,
  UserTurnOutput,
} from './types';

type Reply = UserRepliesOutput['replies'][number];

export function createLlmActivities(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  async function userReply(input: UserTurnInput, opts: ChatOptions = {}): Promise<UserTurnOutput> {
    const env = getEnvironment(input.env, dataDir, envOptions);
    const plan = env.userTurn(env.getTask(input.taskId), input.userSim, input.conversation);
    if (plan.kind === 'fixed') return { text: plan.text, usage: emptyUsage() };
    const { message, usage } = await chatCompletion(
      endpoint,
      { model: input.model, messages: plan.messages, temperature: 0 },
      `user model ${input.model}`,
      opts,
    );
    return { text: (message.content ?? '').trim(), usage };
  }

  return {
    async agentCall(input: AgentCallInput): Promise<AgentCallOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      return callAgentModel(getEnvironment(input.env, dataDir, envOptions), endpoint, input);
    },

    // Whole agent turns: their model calls and tool calls (issue 17).
    ...createAgentTurnActivities(dataDir, endpoint, envOptions),

    async userTurn(input: UserTurnInput): Promise<UserTurnOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      return userReply(input);
    },

    /** The user replies of a search step's live leaves (issue 17): one activity per step. A leaf
     * whose reply the model refuses or garbles gets that error (the leaf ends); any other failure
     * fails the activity once every reply has settled, and the retry asks only for the missing ones. */
    async userReplies(input: UserRepliesInput): Promise<UserRepliesOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      const ctx = Context.current();
      const { leaves, ...common } = input;
      const replies = await runBatch<UserRepliesInput['leaves'][number], Reply, never>({
        items: leaves,
        key: (l) => String(l.nodeId),
        async run(leaf, piece) {
          try {
            return await userReply(
              { ...common, conversation: leaf.conversation },
              { heartbeatDetails: piece.checkpoint },
            );
          } catch (err) {
            const own = ownModelFailure(err);
            if (own === null) throw err;
            return { error: own };
          }
        },
        record: (c) => ctx.heartbeat(c),
        resumed: resumedBatch(ctx.info.heartbeatDetails),
      });
      return { replies };
    },
  };
}
