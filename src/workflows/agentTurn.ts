// One agent turn of one search leaf (spec 2, step 2), as a child workflow: up to
// maxAgentCallsPerTurn LLM calls, each making one tool call (executed) or speaking (ends the turn).
import { patched } from '@temporalio/workflow';
import { LOCAL_CHEAP_ACTIVITIES, llm, llmOptions, local, localOptions, main, mainOptions } from './proxies';
import type { AgentTurn } from '../josh/search';
import { runAgentTurn } from '../josh/drive';
import { emptyUsage, addUsage, type Message, type Usage } from '../shared/messages';
import { seedOf } from '../util/hash';
import type { RunConfig } from '../config/run';
import { modelFailureMessage } from './failures';

export interface AgentTurnInput {
  /** The run's seed root (its `seed`, or its id). */
  seedRoot: string;
  env: string;
  taskId: string;
  trial: number;
  nodeId: number;
  step: number;
  model: string;
  temperature: number;
  strategy: RunConfig['agentStrategy'];
  maxCalls: number;
  history: Message[];
  /** The run's recorded prompts hash (provenance), checked by the LLM activity. */
  promptsHash?: string;
}

export interface AgentTurnOutput extends AgentTurn {
  usage: Usage;
}

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnOutput> {
  let usage = emptyUsage();
  const turn = await runAgentTurn(input.history, input.maxCalls, {
    async callModel(i, history) {
      const reply = await llm().agentCall.executeWithOptions(
        llmOptions(`agent ${input.model}: call ${i + 1}/${input.maxCalls} (node ${input.nodeId})`),
        [
          {
            env: input.env,
            strategy: input.strategy,
            model: input.model,
            temperature: input.temperature,
            // A distinct, reproducible sample per run, task, trial, branch, step and call.
            seed: seedOf(input.seedRoot, input.taskId, input.trial, input.nodeId, input.step, i),
            history,
            promptsHash: input.promptsHash,
          },
        ],
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
