// One agent turn of one search leaf (spec 2, step 2), as a child workflow (the `child` turn shape):
// up to maxAgentCallsPerTurn LLM calls, each making one tool call (executed) or speaking (ends the
// turn), all made by one activity (src/activities/turn.ts).
import { patched } from '@temporalio/workflow';
import {
  LOCAL_CHEAP_ACTIVITIES,
  TURN_ACTIVITY,
  llm,
  llmOptions,
  local,
  localOptions,
  main,
  mainOptions,
  turnOptions,
} from './proxies';
import type { AgentTurnInput, AgentTurnOutput } from '../activities/types';
import { runAgentTurn } from '../josh/drive';
import { emptyUsage, addUsage } from '../shared/messages';
import { agentCallInput } from '../josh/agentCall';
import { modelFailureMessage } from './failures';

export type { AgentTurnInput, AgentTurnOutput };

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnOutput> {
  // The whole turn as one activity; children started before it replay the per-call loop below
  // (the first ones of the change asked `patched()`, later ones carry the input flag).
  if (input.wholeTurn || patched(TURN_ACTIVITY)) {
    return await llm().agentTurn.executeWithOptions(
      turnOptions(input.maxCalls, `agent ${input.model}: turn of node ${input.nodeId}`),
      [input],
    );
  }
  let usage = emptyUsage();
  const turn = await runAgentTurn(input.history, input.maxCalls, {
    async callModel(i, history) {
      const reply = await llm().agentCall.executeWithOptions(
        llmOptions(`agent ${input.model}: call ${i + 1}/${input.maxCalls} (node ${input.nodeId})`),
        [agentCallInput(input, i, history)],
      );
      usage = addUsage(usage, reply.usage);
      return reply.action;
    },
    executeTool: (call) =>
      patched(LOCAL_CHEAP_ACTIVITIES)
        ? local.executeTool.executeWithOptions(localOptions(`tool ${call.name}`), [
            { env: input.env, taskId: input.taskId, call },
          ])
        : main.executeTool.executeWithOptions(mainOptions(`tool ${call.name}`), [
            { env: input.env, taskId: input.taskId, call },
          ]),
    // A model's own non-retryable failure ends this leaf only; the search goes on (spec 2, step
    // 2). A cancellation or an infrastructure failure fails this turn and its conversation.
    describeError: modelFailureMessage,
  });
  return { ...turn, usage };
}
