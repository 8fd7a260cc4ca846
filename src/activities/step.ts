// One whole search step as one activity (the `activity` turn shape, issue 17): the step's agent
// turns, the reward check and collapse, and the live leaves' user replies, run by the same pure
// code as the workflow (src/josh/drive.ts runSearchStep) on a copy of the search. The activity
// returns only what its effects returned; the conversation workflow applies them to its own
// search with the same transitions, so the workflow stays the record of the search and this
// activity only does its I/O. One activity and one workflow task per step, instead of one per
// leaf, is most of what the `activity` shape saves in Temporal actions per model call.
import { Context } from '@temporalio/activity';
import type { EnvironmentOptions } from '../env';
import { getScoring } from '../env/scoring';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { runSearchStep } from '../josh/drive';
import { pathCalls } from '../josh/search';
import { leafTurnInput } from '../josh/agentCall';
import { checkPrompts } from './agentModel';
import { resumedBatch, type BatchCheckpoint } from './batch';
import { withCheckpoints, type Checkpointer } from './checkpoint';
import { runReplyBatch, type UserReplyResult } from './user';
import { runTurnBatch, type TurnCheckpoint } from './turn';
import type { AgentTurnOutput, SearchStepInput, SearchStepOutput } from './types';

/** What the step heartbeats: its turns' checkpoint, then its replies'. */
interface StepCheckpoint {
  turns?: BatchCheckpoint<AgentTurnOutput, TurnCheckpoint>;
  replies?: BatchCheckpoint<UserReplyResult, never>;
}

function resumedStep(details: unknown): StepCheckpoint {
  const d = details as StepCheckpoint | undefined;
  return { turns: resumedBatch(d?.turns), replies: resumedBatch(d?.replies) };
}

export function createSearchStepActivity(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  async function searchStep(input: SearchStepInput): Promise<SearchStepOutput> {
    checkPrompts(input.turn.promptsHash, envOptions.promptsFile);
    const ctx = Context.current();
    const resumed = resumedStep(ctx.info.heartbeatDetails);
    if (resumed.turns || resumed.replies) ctx.log.info('search step resumes from its last heartbeat');
    // What every heartbeat carries: both phases' checkpoints. A resumed phase whose pieces were all
    // done records nothing new, so its checkpoint must come from the earlier attempt, or the next
    // heartbeat would drop it and a later retry would pay for its calls again.
    const saved: StepCheckpoint = {
      ...(resumed.turns ? { turns: resumed.turns } : {}),
      ...(resumed.replies ? { replies: resumed.replies } : {}),
    };
    return withCheckpoints(saved, (cp) => runStep(input, saved, resumed, cp));
  }

  async function runStep(
    input: SearchStepInput,
    saved: StepCheckpoint,
    resumed: StepCheckpoint,
    cp: Checkpointer<StepCheckpoint>,
  ): Promise<SearchStepOutput> {
    const s = input.search; // this activity's own copy, decoded from its input
    const scoring = getScoring(input.turn.env);
    const out: SearchStepOutput = { turnLeaves: [], turns: [], replyLeaves: [], replies: [] };
    await runSearchStep(
      s,
      input.params,
      (remaining, calls) => scoring.turnReward(input.goalCalls, remaining, calls),
      {
        async agentTurns(step, leaves) {
          out.turnLeaves = leaves.map((l) => l.nodeId);
          out.turns = await runTurnBatch(
            dataDir,
            endpoint,
            envOptions,
            leaves.map((l) => leafTurnInput(input.turn, step, l.nodeId, l.history, pathCalls(s, l.nodeId))),
            {
              record(c) {
                saved.turns = c;
                cp.record(saved);
              },
              details: (c) => ({ ...saved, turns: c }),
              resumed: resumed.turns,
            },
          );
          return out.turns;
        },
        async userReplies(leaves) {
          out.replyLeaves = leaves.map((l) => l.nodeId);
          out.replies = await runReplyBatch(
            dataDir,
            endpoint,
            envOptions,
            { ...input.user, leaves: leaves.map((l) => ({ nodeId: l.nodeId, conversation: l.history })) },
            {
              record(c) {
                saved.replies = c;
                cp.record(saved);
              },
              details: (c) => ({ ...saved, replies: c }),
              resumed: resumed.replies,
            },
          );
          return out.replies.map((r) => ('error' in r ? { error: r.error } : { text: r.text }));
        },
      },
    );
    return out;
  }
  return searchStep;
}
