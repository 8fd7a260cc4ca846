// One agent turn of one search leaf (spec 2, step 2), as a child workflow: up to
// maxAgentCallsPerTurn LLM calls, each making one tool call (executed) or speaking (ends the turn).
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { llm, llmOptions, main, mainOptions } from './proxies';
import type { AgentTurn } from '../josh/search';
import {
  emptyUsage,
  addUsage,
  OUT_OF_CALLS_MESSAGE,
  type CallMade,
  type Message,
  type Usage,
} from '../shared/messages';
import { seedOf } from '../util/hash';
import type { RunConfig } from '../config/run';

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
}

export interface AgentTurnOutput extends AgentTurn {
  usage: Usage;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

export async function agentTurnWorkflow(input: AgentTurnInput): Promise<AgentTurnOutput> {
  const messages: Message[] = [];
  const calls: CallMade[] = [];
  let usage = emptyUsage();
  for (let i = 0; i < input.maxCalls; i++) {
    let reply;
    try {
      reply = await llm().agentCall.executeWithOptions(
        llmOptions(`agent ${input.model}: call ${i + 1}/${input.maxCalls} (node ${input.nodeId})`),
        [
          {
            env: input.env,
            strategy: input.strategy,
            model: input.model,
            temperature: input.temperature,
            // A distinct, reproducible sample per run, task, trial, branch, step and call.
            seed: seedOf(input.seedRoot, input.taskId, input.trial, input.nodeId, input.step, i),
            history: [...input.history, ...messages],
          },
        ],
      );
    } catch (err) {
      // A non-retryable model failure ends this leaf only; the search goes on (spec 2, step 2).
      return { messages, calls, usage, error: failureMessage(err) };
    }
    usage = addUsage(usage, reply.usage);
    const action = reply.action;
    messages.push(action.message);
    if (action.kind === 'say') return { messages, calls, usage };
    if (action.kind === 'invalid') {
      messages.push(...action.feedback);
      continue;
    }
    const result = await main.executeTool.executeWithOptions(mainOptions(`tool ${action.call.name}`), [
      { env: input.env, taskId: input.taskId, call: action.call },
    ]);
    messages.push({
      role: 'tool',
      toolCallId: action.call.id,
      name: action.call.name,
      content: result.content,
    });
    messages.push(...action.extra);
    calls.push(result.call);
  }
  messages.push({ role: 'assistant', content: OUT_OF_CALLS_MESSAGE });
  return { messages, calls, usage };
}
