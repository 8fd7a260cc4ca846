// A single JOSH rollout (beam 1) against a running simulated model, over real HTTP with the openai
// SDK: the project's environment, agent strategy and search core, without Temporal. The simulated
// model's tests use it to check whole conversations (determinism, that the roles fit together).
import OpenAI from 'openai';
import { buildAgentRequest, parseAgentReply } from '../../src/agent';
import type { AgentStrategy, Environment, Task, UserSimKind } from '../../src/env/types';
import {
  agentView,
  applyAgentTurn,
  applyUserReply,
  beginStep,
  createSearch,
  finalLeaf,
  liveLeaves,
  pathCalls,
  progress,
  rewardCheck,
  userView,
} from '../../src/josh/search';
import { OUT_OF_CALLS_MESSAGE, type CallMade, type Message } from '../../src/shared/messages';
import { seedOf } from '../../src/util/hash';

export interface Rollout {
  transcript: Message[];
  reward: number;
  steps: number;
}

export async function rollout(
  baseURL: string,
  env: Environment,
  task: Task,
  opts: {
    strategy?: AgentStrategy;
    temperature?: number;
    runId?: string;
    maxSteps?: number;
    user?: UserSimKind;
  } = {},
): Promise<Rollout> {
  const strategy = opts.strategy ?? 'function-calling';
  const client = new OpenAI({ baseURL, apiKey: 'test', maxRetries: 0, timeout: 20_000 });
  const user = async (conversation: Message[]): Promise<string> => {
    const plan = env.userTurn(task, opts.user ?? 'goal', conversation);
    if (plan.kind === 'fixed') return plan.text;
    const r = await client.chat.completions.create({
      model: 'sim-user',
      messages: plan.messages,
      temperature: 0,
    });
    return (r.choices[0].message.content ?? '').trim();
  };
  const s = createSearch(await user([]), task.goalCalls.length);
  while (s.step < (opts.maxSteps ?? 15)) {
    const [leaf] = beginStep(s, { beamSize: 1, branching: 2 });
    const messages: Message[] = [];
    const calls: CallMade[] = [];
    let spoke = false;
    for (let i = 0; i < 3 && !spoke; i++) {
      const body = buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), [
        ...agentView(s, leaf),
        ...messages,
      ]);
      const r = await client.chat.completions.create({
        ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
        model: 'sim-agent',
        temperature: opts.temperature ?? 1,
        seed: seedOf(opts.runId ?? 'test', task.id, leaf, s.step, i),
      });
      const action = parseAgentReply(strategy, r.choices[0].message);
      messages.push(action.message);
      if (action.kind === 'say') spoke = true;
      else if (action.kind === 'invalid') messages.push(...action.feedback);
      else {
        const result = env.executeCall(task, action.call.name, action.call.arguments);
        messages.push({
          role: 'tool',
          toolCallId: action.call.id,
          name: action.call.name,
          content: result.content,
        });
        calls.push(result.call);
      }
    }
    if (!spoke) messages.push({ role: 'assistant', content: OUT_OF_CALLS_MESSAGE });
    applyAgentTurn(s, leaf, { messages, calls });
    rewardCheck(s, [leaf], (remaining, turnCalls) => env.turnReward(task.goalCalls, remaining, turnCalls));
    if (progress(s).success) break;
    applyUserReply(s, leaf, await user(userView(s, leaf)));
    if (liveLeaves(s).length === 0) break;
  }
  const final = finalLeaf(s);
  return {
    transcript: agentView(s, final),
    reward: env.conversationReward(task.goalCalls, pathCalls(s, final)).reward,
    steps: s.step,
  };
}
