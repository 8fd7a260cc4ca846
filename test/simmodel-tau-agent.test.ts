// The τ-bench agent of the simulated model (src/simmodel/tau/agent): it follows the retail policy's
// procedure on scripted customer messages, each error kind is reachable, temperature 0 makes none,
// replies are byte-identical for a seed, and it never sees the customer's scenario.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAgentRequest, parseAgentReply } from '../src/agent';
import type { ChatMessage } from '../src/agent/types';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { loadToolwozDb } from '../src/env/toolwoz/db';
import type { AgentStrategy, Environment, Task } from '../src/env/types';
import { runAgentTurn } from '../src/josh/drive';
import type { CallMade, Message } from '../src/shared/messages';
import { END_MARKER } from '../src/shared/messages';
import { DEFAULT_ERROR_RATES, type ErrorRates, createModel } from '../src/simmodel';
import type { ChatRequest, Completion } from '../src/simmodel/wire';

const DATA = resolveDataDir();
const model = createModel(loadToolwozDb(DATA), DEFAULT_ERROR_RATES, { dataDir: DATA });
const retail = (): Environment => getEnvironment('tau-retail', DATA);

/** Every rate 0: the agent as the policy's procedure alone. */
const NONE: ErrorRates = Object.fromEntries(
  Object.keys(DEFAULT_ERROR_RATES).map((k) => [k, 0]),
) as unknown as ErrorRates;
const only = (kind: keyof ErrorRates): ErrorRates => ({ ...NONE, [kind]: 1 });

interface Turn {
  customer: string;
  messages: Message[];
  requests: ChatRequest[];
}

interface Options {
  env?: 'tau-retail' | 'tau-airline';
  strategy?: AgentStrategy;
  temperature?: number;
  seed?: number;
  /** The rates of each agent turn (by the index of the customer message it answers). */
  rates?: (turn: number) => ErrorRates;
}

function request(
  env: Environment,
  strategy: AgentStrategy,
  history: Message[],
  o: Options,
  i: number,
): ChatRequest {
  const body = buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), history);
  return {
    ...body,
    model: 'sim-agent',
    temperature: o.temperature ?? 1,
    seed: (o.seed ?? 7) * 1000 + i,
  } as unknown as ChatRequest;
}

function asMessage(c: Completion, id: string): ChatMessage {
  return {
    role: 'assistant',
    content: c.content,
    ...(c.toolCall ? { tool_calls: [{ id, type: 'function' as const, function: c.toolCall }] } : {}),
  };
}

/** The agent's turns on scripted customer messages, tools run on the branch's state. */
async function converse(
  task: Task,
  customer: string[] | ((conversation: Message[]) => string | undefined),
  o: Options = {},
): Promise<{ turns: Turn[]; calls: CallMade[]; history: Message[] }> {
  const env = getEnvironment(o.env ?? 'tau-retail', DATA);
  const strategy = o.strategy ?? 'function-calling';
  const history: Message[] = [];
  const calls: CallMade[] = [];
  const turns: Turn[] = [];
  for (let t = 0; t < 20; t++) {
    const text = typeof customer === 'function' ? customer(history) : customer[t];
    if (text === undefined) break;
    history.push({ role: 'user', content: text });
    if (text.includes(END_MARKER)) break;
    const requests: ChatRequest[] = [];
    const rates = o.rates?.(t) ?? NONE;
    const turn = await runAgentTurn(history, 3, {
      callModel(i, soFar) {
        const req = request(env, strategy, soFar, o, t * 10 + i);
        requests.push(req);
        const reply = model.respond(req, { rates });
        assert.match(reply.kind, /^tau-agent-/);
        return Promise.resolve(parseAgentReply(strategy, asMessage(reply.completion, `call_${t}_${i}`)));
      },
      executeTool: (c, turnCalls) =>
        Promise.resolve(env.executeCall(task, c.name, c.arguments, [...calls, ...turnCalls])),
    });
    history.push(...turn.messages);
    calls.push(...turn.calls);
    turns.push({ customer: text, messages: turn.messages, requests });
    if (turn.endsConversation) break;
  }
  return { turns, calls, history };
}

const lastSay = (turn: Turn): string => {
  const m = [...turn.messages].reverse().find((x) => x.role === 'assistant' && !x.toolCalls?.length);
  // A react reply's message is its SAY line.
  return (m?.content ?? '').replace(/^[\s\S]*?\nSAY: /, '');
};
const turnCalls = (turn: Turn): { name: string; arguments: string }[] =>
  turn.messages
    .flatMap((m) => (m.role === 'assistant' && m.toolCalls ? m.toolCalls : []))
    .map((c) => ({ name: c.name, arguments: JSON.stringify(c.arguments) }));

// train-0: Omar Anderson returns an Electric Kettle and a Wall Clock of #W6067464 to credit_card_4190576.
const RETURN = [
  "Hi, I'd like to return some items from an order.",
  'My name is Omar Anderson and my zip code is 19031.',
  "It's order #W6067464. I want to return the Electric Kettle and the Wall Clock.",
  'Please refund to credit_card_4190576.',
  'Yes, please go ahead.',
  `Thanks, that's all. ${END_MARKER}`,
];
// train-3: Sofia Kovacs exchanges her Coffee Maker of #W7736983 (she has several orders).
const EXCHANGE = [
  'Hi, I want to exchange a coffee maker.',
  'My name is Sofia Kovacs and my zip code is 19049.',
  "The order id is #W7736983. I'd like the Coffee Maker in stainless steel, drip type, with built-in grinder.",
  'Please use paypal_6840891.',
  'Yes, please go ahead.',
  `Thanks, that's all. ${END_MARKER}`,
];

describe('the τ retail agent follows the policy', () => {
  for (const strategy of ['function-calling', 'react'] as const) {
    it(`authenticates, looks up, confirms, then writes exactly what it stated (${strategy})`, async () => {
      const env = retail();
      const task = env.getTask('train-0');
      const { turns, calls, history } = await converse(task, RETURN, { strategy });
      assert.match(lastSay(turns[0]), /verify your identity/);
      assert.deepEqual(
        turnCalls(turns[1]).map((c) => c.name),
        ['find_user_id_by_name_zip', 'get_user_details'],
      );
      assert.deepEqual(
        turnCalls(turns[2]).map((c) => c.name),
        ['get_order_details'],
      );
      assert.match(lastSay(turns[2]), /Which payment method/);
      assert.match(lastSay(turns[3]), /^To confirm, I will return .*Shall I proceed \(yes\/no\)\?$/);
      assert.equal(turnCalls(turns[3]).length, 0, 'nothing is written before the yes');
      assert.deepEqual(
        turnCalls(turns[4]).map((c) => c.name),
        ['return_delivered_order_items'],
      );
      const reward = env.finalReward(
        task,
        calls.map((c) => ({ name: c.name, arguments: c.arguments })),
        history.filter((m) => m.role === 'assistant').map((m) => m.content ?? ''),
      );
      assert.equal(reward.reward, 1, JSON.stringify(reward.info));
      // The write is the gold action itself (the items in the order the customer named them).
      assert.deepEqual(calls[calls.length - 1].arguments, task.goalCalls[0].parameters);
      if (strategy === 'react')
        for (const t of turns) for (const r of t.requests) assert.equal(r.tools, undefined);
    });
  }

  it('matches the variant by the options the customer names', async () => {
    const task = retail().getTask('train-3');
    const { calls } = await converse(task, EXCHANGE);
    const write = calls.find((c) => c.name === 'exchange_delivered_order_items');
    assert.deepEqual(write?.arguments, task.goalCalls[0].parameters);
  });
});

describe('τ agent error kinds', () => {
  const returnTask = (): Task => retail().getTask('train-0');
  const exchangeTask = (): Task => retail().getTask('train-3');

  it('tauMissingItem: a two-item return leaves one out', async () => {
    const { turns } = await converse(returnTask(), RETURN.slice(0, 4), {
      rates: (t) => (t === 3 ? only('tauMissingItem') : NONE),
    });
    const text = lastSay(turns[3]);
    assert.match(text, /^To confirm/);
    assert.equal([...text.matchAll(/\(item \d+/g)].length, 1, text);
  });

  it('tauWrongPayment: another of the user’s payment methods', async () => {
    const { turns } = await converse(returnTask(), RETURN.slice(0, 4), {
      rates: (t) => (t === 3 ? only('tauWrongPayment') : NONE),
    });
    const text = lastSay(turns[3]);
    assert.match(text, /the refund goes to paypal_6213278/);
  });

  it('tauEarlyAction: the write call comes without asking for a yes', async () => {
    const { turns } = await converse(returnTask(), RETURN.slice(0, 4), {
      rates: (t) => (t === 3 ? only('tauEarlyAction') : NONE),
    });
    assert.deepEqual(
      turnCalls(turns[3]).map((c) => c.name),
      ['return_delivered_order_items'],
    );
  });

  it('tauNoFinalWrite: after the yes it reports done without the write', async () => {
    const { turns, calls } = await converse(returnTask(), RETURN.slice(0, 5), {
      rates: (t) => (t === 4 ? only('tauNoFinalWrite') : NONE),
    });
    assert.equal(turnCalls(turns[4]).length, 0);
    assert.match(lastSay(turns[4]), /^Done: your request has been submitted/);
    assert.ok(!calls.some((c) => c.name === 'return_delivered_order_items'));
  });

  it('tauEarlyTransfer: hands over to a human instead of confirming', async () => {
    const { turns } = await converse(returnTask(), RETURN.slice(0, 4), {
      rates: (t) => (t === 3 ? only('tauEarlyTransfer') : NONE),
    });
    assert.deepEqual(
      turnCalls(turns[3]).map((c) => c.name),
      ['transfer_to_human_agents'],
    );
  });

  it('malformedArgs: the tool-call arguments are not JSON', () => {
    const env = retail();
    const history: Message[] = [{ role: 'user', content: 'My email is omar.anderson7675@example.com.' }];
    for (let seed = 0; seed < 5; seed++) {
      const c = model.respond(request(env, 'function-calling', history, { seed }, 0), {
        rates: only('malformedArgs'),
      }).completion;
      assert.equal(c.toolCall?.name, 'find_user_id_by_email');
      assert.throws(() => JSON.parse(c.toolCall?.arguments ?? ''), `seed ${seed}`);
    }
  });

  it('tauWrongOrder: another of the user’s orders is looked up', async () => {
    const { turns } = await converse(exchangeTask(), EXCHANGE.slice(0, 3), {
      rates: (t) => (t === 2 ? only('tauWrongOrder') : NONE),
    });
    const looked = turnCalls(turns[2]).find((c) => c.name === 'get_order_details');
    assert.ok(looked, JSON.stringify(turnCalls(turns[2])));
    assert.notEqual(JSON.parse(looked.arguments).order_id, '#W7736983');
  });

  it('tauWrongVariant: a near match instead of the variant asked for', async () => {
    const task = exchangeTask();
    const right = (task.goalCalls[0].parameters as { new_item_ids: string[] }).new_item_ids[0];
    const { turns } = await converse(task, EXCHANGE.slice(0, 4), {
      rates: (t) => (t === 3 ? only('tauWrongVariant') : NONE),
    });
    const text = lastSay(turns[3]);
    assert.match(text, /^To confirm, I will exchange/);
    assert.ok(!text.includes(`item ${right}`), text);
  });

  it('temperature 0 makes no sampled errors, whatever the rates', async () => {
    const all: ErrorRates = Object.fromEntries(
      Object.keys(DEFAULT_ERROR_RATES).map((k) => [k, 1]),
    ) as unknown as ErrorRates;
    const env = retail();
    const task = returnTask();
    const { calls } = await converse(task, RETURN, { temperature: 0, rates: () => all });
    assert.deepEqual(calls[calls.length - 1].arguments, task.goalCalls[0].parameters);
    const ex = await converse(exchangeTask(), EXCHANGE, { temperature: 0, rates: () => all });
    assert.deepEqual(ex.calls[ex.calls.length - 1].arguments, exchangeTask().goalCalls[0].parameters);
    assert.ok(env);
  });
});

describe('τ agent determinism and what it sees', () => {
  /** The real simulated customer on its scenario, through the environment's user prompt. */
  const customerOf =
    (task: Task, strip = false) =>
    (conversation: Message[]): string => {
      const env = retail();
      const t = strip
        ? { ...task, instruction: 'You are a customer.', goalMessage: ['You are a customer.'] }
        : task;
      const plan = env.userTurn(t, 'goal', conversation);
      if (plan.kind === 'fixed') return plan.text;
      const req = { model: 'sim-user', messages: plan.messages, temperature: 0 } as unknown as ChatRequest;
      return (model.respond(req).completion.content ?? '').trim();
    };

  it('the same seed gives byte-identical replies and conversations', async () => {
    const task = retail().getTask('train-3');
    const a = await converse(task, customerOf(task), { rates: () => DEFAULT_ERROR_RATES, seed: 3 });
    const b = await converse(task, customerOf(task), { rates: () => DEFAULT_ERROR_RATES, seed: 3 });
    assert.equal(JSON.stringify(a.history), JSON.stringify(b.history));
    const req = a.turns[1].requests[0];
    assert.equal(JSON.stringify(model.respond(req)), JSON.stringify(model.respond(req)));
  });

  it('never sees the customer’s scenario: the same customer messages give the same agent replies', async () => {
    const env = retail();
    for (const id of ['train-0', 'train-3', 'train-5']) {
      const task = env.getTask(id);
      const first = await converse(task, customerOf(task), { rates: () => DEFAULT_ERROR_RATES });
      const said = first.history.filter((m) => m.role === 'user').map((m) => m.content ?? '');
      // The customer side with its scenario stripped from the user prompt cannot write these
      // messages itself; fed the same messages, the agent must answer exactly as before.
      const stripped = customerOf(task, true)([]);
      assert.notEqual(stripped, said[0]);
      const second = await converse(task, said, { rates: () => DEFAULT_ERROR_RATES });
      assert.ok(
        JSON.stringify(second.history) === JSON.stringify(first.history),
        `${id}: the agent answered differently`,
      );
      // And no agent request carries the scenario (or any sentence of it).
      const pieces = (task.instruction ?? '').split(/(?<=\.)\s+/).filter((p) => p.length > 25);
      for (const t of first.turns)
        for (const r of t.requests) {
          const body = JSON.stringify(r);
          assert.ok(!body.includes(task.instruction ?? '\u0000'));
          for (const p of pieces) assert.ok(!body.includes(p), `${id}: the agent request contains "${p}"`);
        }
    }
  });
});

describe('the τ airline agent', () => {
  it('changes the cabin, then adds bags with the free allowance of the new cabin', async () => {
    // test-4: omar_rossi_1241 (gold) upgrades FQ8APE to economy and wants 3 checked bags.
    const task = getEnvironment('tau-airline', DATA).getTask('test-4');
    const { turns, calls } = await converse(
      task,
      [
        "Hi, I'd like to upgrade my reservation to economy, and I want 3 checked bags in total.",
        'My user id is omar_rossi_1241.',
        'The reservation id is FQ8APE.',
        'Please use gift_card_8190333.',
        'Yes, please go ahead.',
        'Yes, please go ahead.',
        'Yes, please go ahead.',
      ],
      { env: 'tau-airline' },
    );
    assert.match(lastSay(turns[0]), /verify your identity.*user id/);
    assert.match(lastSay(turns[3]), /^To confirm, I will change the cabin of reservation FQ8APE to economy/);
    const writes = calls.filter((c) => c.name.startsWith('update_'));
    assert.deepEqual(
      writes.map((c) => [c.name, c.arguments]),
      [task.goalCalls[0], task.goalCalls[2]].map((g) => [g.name, g.parameters]),
    );
  });

  it('refuses a cancellation the policy does not allow', async () => {
    // FQ8APE is basic economy, booked long ago, without insurance: a change of plan does not qualify.
    const task = getEnvironment('tau-airline', DATA).getTask('test-4');
    const { turns, calls } = await converse(
      task,
      [
        "Hi, I'd like to cancel a reservation because of a change of plans.",
        'My user id is omar_rossi_1241.',
        'The reservation id is FQ8APE.',
      ],
      { env: 'tau-airline' },
    );
    assert.match(lastSay(turns[2]), /reservation FQ8APE cannot be cancelled/);
    assert.ok(!calls.some((c) => c.name === 'cancel_reservation'));
  });
});
