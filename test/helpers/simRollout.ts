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
  applyAgentTurn,
  applyUserReply,
  beginStep,
  createSearch,
  endLeaf,
  finalLeaf,
  liveLeaves,
  pathCalls,
  progress,
  rewardCheck,
  userView,
} from '../../src/josh/search';
import { OUT_OF_CALLS_MESSAGE, type CallMade, type Message } from '../../src/shared/messages';
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

  const userReply = async (conversation: Message[]): Promise<string> => {
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

  const agentTurn = async (history: Message[], nodeId: number, step: number): Promise<AgentTurn> => {
    const messages: Message[] = [];
    const calls: CallMade[] = [];
    for (let i = 0; i < maxCalls; i++) {
      const body = buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), [
        ...history,
        ...messages,
      ]);
      llmCalls++;
      const r = await client.chat.completions.create({
        ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
        model: 'josh-sim-agent',
        temperature: opts.temperature ?? 1,
        seed: seedOf(opts.runId ?? 'sim', task.id, nodeId, step, i),
      });
      const action = parseAgentReply(strategy, r.choices[0].message);
      messages.push(action.message);
      if (action.kind === 'say') return { messages, calls };
      if (action.kind === 'invalid') {
        messages.push(...action.feedback);
        continue;
      }
      const result = env.executeCall(task, action.call.name, action.call.arguments);
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
    return { messages, calls };
  };

  const s = createSearch(await userReply([]), task.goalCalls.length);
  let stopReason: SearchOutcome['stopReason'] = 'max-steps';
  while (s.step < (opts.maxSteps ?? 15)) {
    const leaves = beginStep(s, { beamSize: beam, branching: opts.branching ?? 2 });
    const turns = await Promise.all(leaves.map((id) => agentTurn(agentView(s, id), id, s.step)));
    leaves.forEach((id, i) => applyAgentTurn(s, id, turns[i]));
    rewardCheck(s, leaves, (remaining, calls) => env.turnReward(task.goalCalls, remaining, calls));
    if (progress(s).success) {
      stopReason = 'success';
      break;
    }
    const live = liveLeaves(s);
    const replies = await Promise.allSettled(live.map((id) => userReply(userView(s, id))));
    live.forEach((id, i) => {
      const r = replies[i];
      if (r.status === 'fulfilled') applyUserReply(s, id, r.value);
      else endLeaf(s, id, 'user-error');
    });
    if (liveLeaves(s).length === 0) {
      stopReason = 'all-ended';
      break;
    }
  }
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
