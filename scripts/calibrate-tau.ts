// Dev-only calibration harness for the simulated model on τ-bench (issue 14): the JOSH search loop
// of spec section 2 in-process — the project's own search core and drive loops (src/josh), the τ
// environment (stateful: every call runs on its branch's earlier calls), the agent strategies —
// with the simulated model called in-process (no HTTP, no Temporal) to iterate quickly. It scores
// as the product does: a single rollout (beam 1, `josh harvest --baseline`) by the environment's
// final reward (database + outputs), the beam search (`josh harvest`) by its progress reward
// (every gold action earned). The FINAL figures come from `josh harvest` (docs/tau-bench.md).
//
//   npx tsx scripts/calibrate-tau.ts [--env tau-retail] [--split train] [--beam 1,8] [--limit N]
//     [--offset N] [--strategy function-calling|react] [--temperature 1] [--error-rates SPEC]
//     [--run SEED_PREFIX] [--show TASK_ID] [--list-failures]
import { parseArgs } from 'node:util';
import { buildAgentRequest, parseAgentReply } from '../src/agent';
import type { ChatMessage } from '../src/agent/types';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { loadToolwozDb } from '../src/env/toolwoz/db';
import type { AgentStrategy, Environment, Task } from '../src/env/types';
import { perLeaf, runAgentTurn, runSearchLoop } from '../src/josh/drive';
import {
  type AgentTurn,
  agentView,
  createSearch,
  finalLeaf,
  pathAgentTexts,
  pathCalls,
  progress,
} from '../src/josh/search';
import type { Message } from '../src/shared/messages';
import { createModel, parseErrorRates, DEFAULT_ERROR_RATES, type Model } from '../src/simmodel';
import type { ChatRequest } from '../src/simmodel/wire';
import { seedOf } from '../src/util/hash';

const { values: flags } = parseArgs({
  options: {
    env: { type: 'string', default: 'tau-retail' },
    split: { type: 'string', default: 'train' },
    beam: { type: 'string', default: '1,8' },
    limit: { type: 'string' },
    offset: { type: 'string', default: '0' },
    strategy: { type: 'string', default: 'function-calling' },
    temperature: { type: 'string', default: '1' },
    'error-rates': { type: 'string', default: '' },
    'max-steps': { type: 'string', default: '15' },
    show: { type: 'string' },
    run: { type: 'string', default: 'calibrate' },
    'list-failures': { type: 'boolean', default: false },
  },
});

interface Outcome {
  success: boolean;
  reward: number;
  steps: number;
  transcript: Message[];
  stop: string;
}

function completionMessage(model: Model, req: ChatRequest): { content: string | null; tool_calls?: unknown } {
  const c = model.respond(req).completion;
  return {
    content: c.content,
    ...(c.toolCall
      ? {
          tool_calls: [
            {
              id: `call_${seedOf(JSON.stringify(req.messages)).toString(16)}`,
              type: 'function',
              function: c.toolCall,
            },
          ],
        }
      : {}),
  };
}

async function runTask(model: Model, env: Environment, task: Task, beam: number): Promise<Outcome> {
  const strategy = flags.strategy as AgentStrategy;
  const temperature = Number(flags.temperature);
  const userReply = (_id: number, conversation: Message[]): Promise<string> => {
    const plan = env.userTurn(task, 'goal', conversation);
    if (plan.kind === 'fixed') return Promise.resolve(plan.text);
    const req = { model: 'sim-user', messages: plan.messages, temperature: 0 } as unknown as ChatRequest;
    return Promise.resolve((model.respond(req).completion.content ?? '').trim());
  };
  let s = createSearch('', task.goalCalls.length);
  const agentTurn = (nodeId: number, step: number, history: Message[]): Promise<AgentTurn> => {
    const before = pathCalls(s, nodeId).map((c) => ({ name: c.name, arguments: c.arguments }));
    return runAgentTurn(history, 3, {
      callModel(i, soFar) {
        const body = buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), soFar);
        const req = {
          ...body,
          model: 'sim-agent',
          temperature,
          seed: seedOf(flags.run!, task.id, nodeId, step, i),
        } as unknown as ChatRequest;
        const msg = completionMessage(model, req);
        return Promise.resolve(parseAgentReply(strategy, { role: 'assistant', ...msg } as ChatMessage));
      },
      executeTool(c, turnCalls) {
        const prior = [...before, ...turnCalls.map((t) => ({ name: t.name, arguments: t.arguments }))];
        const r = env.executeCall(task, c.name, c.arguments, prior);
        return Promise.resolve(r);
      },
    });
  };
  s = createSearch(await userReply(0, []), task.goalCalls.length);
  const stop = await runSearchLoop(
    s,
    { beamSize: beam, branching: beam > 1 ? 2 : 1, maxSteps: Number(flags['max-steps']) },
    (remaining, calls) => env.turnReward(task.goalCalls, remaining, calls),
    perLeaf({ agentTurn, userReply }),
  );
  const leaf = finalLeaf(s);
  const reward =
    beam > 1
      ? progress(s).reward
      : env.finalReward(
          task,
          pathCalls(s, leaf).map((c) => ({ name: c.name, arguments: c.arguments })),
          pathAgentTexts(s, leaf),
        ).reward;
  return { success: reward === 1, reward, steps: s.step, transcript: agentView(s, leaf), stop };
}

function show(task: Task, o: Outcome): void {
  console.log(`--- ${task.id}: ${task.instruction ?? ''}`);
  console.log(`gold ${JSON.stringify(task.goalCalls.map((g) => [g.name, g.parameters]))}`);
  for (const m of o.transcript) {
    const calls =
      m.role === 'assistant' && m.toolCalls
        ? ` ${JSON.stringify(m.toolCalls.map((c) => [c.name, c.arguments]))}`
        : '';
    console.log(`${m.role.padEnd(9)} ${(m.content ?? '').slice(0, 400)}${calls}`);
  }
  console.log(`reward ${o.reward} stop ${o.stop} steps ${o.steps}`);
}

async function main(): Promise<void> {
  const dataDir = resolveDataDir();
  const env = getEnvironment(flags.env!, dataDir);
  let tasks = env.listTasks(flags.split!);
  if (flags.show) tasks = tasks.filter((t) => flags.show!.split(',').includes(t.id));
  tasks = tasks.slice(Number(flags.offset));
  if (flags.limit) tasks = tasks.slice(0, Number(flags.limit));
  const rates = flags['error-rates'] ? parseErrorRates(flags['error-rates']) : DEFAULT_ERROR_RATES;
  const model = createModel(loadToolwozDb(dataDir), rates);
  for (const beam of flags.beam!.split(',').map(Number)) {
    const started = Date.now();
    const outcomes: Outcome[] = [];
    for (const task of tasks) {
      const o = await runTask(model, env, task, beam);
      if (flags.show) show(task, o);
      outcomes.push(o);
    }
    const n = outcomes.length;
    const succ = outcomes.filter((o) => o.success).length;
    const stops: Record<string, number> = {};
    for (const o of outcomes) stops[o.stop] = (stops[o.stop] ?? 0) + 1;
    console.log(
      `beam ${beam}: success ${succ}/${n} = ${((100 * succ) / n).toFixed(1)}%, avg reward ${(outcomes.reduce((a, o) => a + o.reward, 0) / n).toFixed(3)}, ` +
        `avg steps ${(outcomes.reduce((a, o) => a + o.steps, 0) / n).toFixed(1)}, ${((Date.now() - started) / 1000).toFixed(1)}s, stops ${JSON.stringify(stops)}`,
    );
    if (flags['list-failures'])
      console.log(
        tasks
          .filter((_, i) => !outcomes[i].success)
          .map((t) => t.id)
          .join(' '),
      );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
