// The user simulator's replies inside LLM activities: one, or a search step's at once.
import type { EnvironmentOptions } from '../env';
import { getEnvironment } from '../env';
import { chatCompletion, type ChatOptions } from '../llm/client';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { emptyUsage } from '../shared/messages';
import { runBatch, type BatchRecording } from './batch';
import { ownModelFailure } from './turn';
import type { UserRepliesInput, UserRepliesOutput, UserTurnInput, UserTurnOutput } from './types';

export type UserReplyResult = UserRepliesOutput['replies'][number];

/** One user-simulator reply: the environment's fixed text, or the user model's. */
export async function askUser(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions,
  input: UserTurnInput,
  opts: ChatOptions = {},
): Promise<UserTurnOutput> {
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

/** The user replies of a step's live leaves, at once, inside the current activity. A leaf whose
 * reply the model refuses or garbles gets that error (the leaf ends); any other failure is thrown
 * once every reply has settled, and `record` has the ones that finished for the retry. */
export function runReplyBatch(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions,
  input: UserRepliesInput,
  rec: BatchRecording<UserReplyResult, never>,
): Promise<UserReplyResult[]> {
  const { leaves, ...common } = input;
  return runBatch<UserRepliesInput['leaves'][number], UserReplyResult, never>({
    ...rec,
    items: leaves,
    key: (l) => String(l.nodeId),
    async run(leaf, piece) {
      try {
        return await askUser(
          dataDir,
          endpoint,
          envOptions,
          { ...common, conversation: leaf.conversation },
          { heartbeatDetails: piece.heartbeatDetails },
        );
      } catch (err) {
        const own = ownModelFailure(err);
        if (own === null) throw err;
        return { error: own };
      }
    },
  });
}
