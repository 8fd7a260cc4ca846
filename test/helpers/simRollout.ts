// The JOSH search of spec section 2 without Temporal, against any OpenAI-compatible endpoint (in
// practice the simulated model) over real HTTP with the openai SDK: the project's own search core
// (src/josh/search.ts), environment, agent strategies and scoring, wired as the conversation
// workflow wires them. The simulated model's tests and its calibration script
// (scripts/calibrate-simmodel.ts) both run conversations with it.
import OpenAI from 'openai';
import { buildAgentRequest, parseAgentReply } from '../../src/agent';
import type { AgentStrategy, Environment, Task, UserSimKind } from '../../src/env/types';
import {
  type AgentTurn,
  agentView,
  createSearch,
  finalLeaf,
  pathCalls,
  progress,
} from '../../src/josh/search';
import { perLeaf, runAgentTurn, runSearchLoop } from '../../src/josh/drive';
import type { Message } from '../../src/shared/messages';
import { seedOf } from '../../src/util/hash';

export interface SearchOptions {
  /** 1 = a single rollout (baseline); JOSH's default is 8. */
  beam?: number;
  branching?: number;
  strategy?: AgentStrategy;
  user?: UserSimKind;
  temperature?: number;
  /** Seeds every agent call with (runId, task, node, step, call), as harvests do with their id. */
  runId?: string;
  maxSteps?: number;
  maxCallsPerTurn?: number;
}

export interface SearchOutcome {
  /** The agent-visible conversation of the final leaf. */
  transcript: Message[];
  /** A single rollout's whole-conversation reward (spec 4.6); JOSH's progress reward for beam > 1. */
  reward: number;
  steps: number;
  llmCalls: number;
  stopReason: 'success' | 'all-ended' | 'max-steps';
}

export function simClient(baseURL: string): OpenAI {
  return new OpenAI({ baseURL, apiKey: 'sim', maxRetries: 0, timeout: 30_000 });
}

export async function runSearch(
  client: OpenAI,
  env: Environment,
  task: Task,
  opts: SearchOptions = {},
): Promise<SearchOutcome> {
  const beam = opts.beam ?? 1;
  const strategy = opts.strategy ?? 'function-calling';
  const maxCalls = opts.maxCallsPerTurn ?? 3;
  let llmCalls = 0;

  const userReply = async (_nodeId: number, conversation: Message[]): Promise<string> => {
    const plan = env.userTurn(task, opts.user ?? 'goal', conversation);
    if (plan.kind === 'fixed') return plan.text;
    llmCalls++;
    const r = await client.chat.completions.create({
      model: 'josh-sim-user',
      messages: plan.messages,
      temperature: 0,
    });
    return (r.choices[0].message.content ?? '').trim();
  };

  // The product's own loops (src/josh/drive.ts), with direct HTTP and environment calls as effects.
  const agentTurn = (nodeId: number, step: number, history: Message[]): Promise<AgentTurn> =>
    runAgentTurn(history, maxCalls, {
      async callModel(i, soFar) {
        const body = buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), soFar);
        llmCalls++;
        const r = await client.chat.completions.create({
          ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
          model: 'josh-sim-agent',
          temperature: opts.temperature ?? 1,
          seed: seedOf(opts.runId ?? 'sim', task.id, nodeId, step, i),
        });
        return parseAgentReply(strategy, r.choices[0].message);
      },
      executeTool: async (call) => env.executeCall(task, call.name, call.arguments, []),
    });

  const s = createSearch(await userReply(0, []), task.goalCalls.length);
  const stopReason = await runSearchLoop(
    s,
    { beamSize: beam, branching: opts.branching ?? 2, maxSteps: opts.maxSteps ?? 15 },
    (remaining, calls) => env.turnReward(task.goalCalls, remaining, calls),
    perLeaf({ agentTurn, userReply }),
  );
  const final = finalLeaf(s);
  // As the conversation workflow scores them: JOSH its progress, a single rollout its whole path.
  const reward =
    beam > 1 ? progress(s).reward : env.conversationReward(task.goalCalls, pathCalls(s, final)).reward;
  return { transcript: agentView(s, final), reward, steps: s.step, llmCalls, stopReason };
}

/** A single rollout (beam 1) against `baseURL`. */
export function rollout(
  baseURL: string,
  env: Environment,
  task: Task,
  opts: Omit<SearchOptions, 'beam'> = {},
): Promise<SearchOutcome> {
  return runSearch(simClient(baseURL), env, task, { ...opts, beam: 1 });
}
