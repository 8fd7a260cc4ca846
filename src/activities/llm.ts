// LLM activities (served on the LLM task queue): one agent turn, one agent call (histories from
// before issue 17), user-simulator replies (one, or a search step's), and a whole search step (the
// `activity` turn shape; src/activities/step.ts).
// System prompts, tool schemas and the user's goal are rebuilt here from the environment, so the
// workflow history carries only the conversation itself.
import { Context } from '@temporalio/activity';
import { getEnvironment, type EnvironmentOptions } from '../env';
import { createAgentTurnActivity } from './turn';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { callAgentModel, checkPrompts } from './agentModel';
import { resumedBatch } from './batch';
import { createSearchStepActivity } from './step';
import { withCheckpoints } from './checkpoint';
import { askUser, runReplyBatch, type UserReplyResult } from './user';
import type {
  AgentCallInput,
  AgentCallOutput,
  UserRepliesInput,
  UserRepliesOutput,
  UserTurnInput,
  UserTurnOutput,
} from './types';

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

    // A whole search step: its agent turns, reward check and user replies (issue 17).
    searchStep: createSearchStepActivity(dataDir, endpoint, envOptions),

    async userTurn(input: UserTurnInput): Promise<UserTurnOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      return askUser(dataDir, endpoint, envOptions, input);
    },

    /** The user replies of a search step's live leaves (the `child` shape; issue 17): one activity
     * per step; a retry asks only for the replies that had not finished. */
    async userReplies(input: UserRepliesInput): Promise<UserRepliesOutput> {
      checkPrompts(input.promptsHash, envOptions.promptsFile);
      const resumed = resumedBatch<UserReplyResult, never>(Context.current().info.heartbeatDetails);
      const replies = await withCheckpoints(resumed, (cp) =>
        runReplyBatch(dataDir, endpoint, envOptions, input, { record: (c) => cp.record(c), resumed }),
      );
      return { replies };
    },
  };
}
