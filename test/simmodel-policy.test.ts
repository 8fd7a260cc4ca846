// The simulated model's parts: reading utterances with the DB vocabulary, recognising its role from
// the request alone, the error model's knobs, and the two roles playing whole conversations.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as path from 'node:path';
import { buildAgentRequest, parseAgentReply } from '../src/agent';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { loadToolwozDb } from '../src/env/toolwoz/db';
import { DEFAULT_PROMPTS, fillTemplate, goalLines } from '../src/env/toolwoz/prompts';
import type { Environment } from '../src/env/types';
import {
  DEFAULT_ERROR_RATES,
  createModel,
  createSimModelServer,
  parseErrorRates,
  scaledRates,
  type SimModelServer,
} from '../src/simmodel';
import { agentAct, userAct } from '../src/simmodel/acts';
import { classify } from '../src/simmodel/roles';
import { buildWorld } from '../src/simmodel/vocab';
import { normaliseMessages, type ChatRequest } from '../src/simmodel/wire';
import { rollout } from './helpers/simRollout';

const DATA = resolveDataDir();
const world = buildWorld(loadToolwozDb(DATA));
const values = (text: string) => userAct(world, text).values.map((m) => `${m.slot}=${m.value}`);

void describe('reading the caller', () => {
  void test('DB vocabulary, longest match first', () => {
    assert.deepEqual(values('I want north indian food in the centre.'), ['food=north indian', 'area=centre']);
    assert.deepEqual(values('Is pizza hut city centre any good?'), ['name=pizza hut city centre']);
    assert.deepEqual(values('a moderately priced place in the east'), ['pricerange=moderate', 'area=east']);
  });

  void test('hotel amenities, negation and type', () => {
    assert.deepEqual(values("It doesn't need to have free parking but it should have free wifi."), [
      'parking=no',
      'internet=yes',
    ]);
    assert.deepEqual(values('There is no guesthouse with free parking.'), ['type=guesthouse', 'parking=yes']);
    assert.deepEqual(values('It should be a hotel rather than a guesthouse, with 4 stars.'), [
      'type=hotel',
      'stars=4',
    ]);
  });

  void test('trains: stations by direction, times by role, people', () => {
    assert.deepEqual(
      values(
        'I need a train from cambridge to london kings cross leaving after 08:45 on friday for 3 people.',
      ),
      ['departure=cambridge', 'destination=london kings cross', 'leaveAt=08:45', 'day=friday', 'people=3'],
    );
    assert.deepEqual(values('It should arrive by 7 pm.'), ['arriveBy=19:00']);
  });

  void test('requests and intents', () => {
    const act = userAct(world, 'That sounds good. Could you give me the phone number and postcode?');
    assert.deepEqual(act.requests, ['phone', 'postcode']);
    assert.equal(act.affirm, true);
    assert.equal(userAct(world, 'Please book it for 2 people.').bookIntent, true);
    assert.equal(userAct(world, 'No need to book, thanks.').bookIntent, false);
    assert.equal(
      userAct(world, 'Do they have free parking?').values.length,
      0,
      'a question, not a constraint',
    );
  });

  void test('reading the assistant: offers, no match, bookings, questions', () => {
    const offer = agentAct(
      world,
      'Acorn Guest House is a 4 star guesthouse in the north. Would you like me to book it?',
    );
    assert.deepEqual(offer.offers, [{ domain: 'hotel', key: 'acorn guest house' }]);
    assert.equal(offer.offerBook, true);
    assert.equal(
      agentAct(world, "I'm sorry, there is no cheap french restaurant in my listings.").noMatch,
      true,
    );
    const booked = agentAct(world, 'I have booked 2 tickets on TR1234. Your reference number is AB12CD34.');
    assert.equal(booked.booked, true);
    assert.equal(booked.reference, 'AB12CD34');
    assert.equal(agentAct(world, 'I could not book a table at Cote for 2 people.').bookFailed, true);
    assert.deepEqual(agentAct(world, 'For how many people, on which day and at what time?').asks, [
      'day',
      'people',
      'time',
    ]);
  });
});

void describe('recognising the role from the request', () => {
  const env = (): Environment => getEnvironment('toolwoz', DATA);
  const msgs = (m: ChatRequest['messages']) => normaliseMessages(m);

  void test('agent: ToolWOZ tools → function calling; the react protocol → react', () => {
    const fc = buildAgentRequest(
      'function-calling',
      env().agentSystemPrompt('function-calling'),
      env().tools(),
      [{ role: 'user', content: 'hi' }],
    );
    assert.deepEqual(
      classify(
        msgs(fc.messages as ChatRequest['messages']),
        (fc.tools ?? []).map((t) => t.function.name),
      ),
      {
        role: 'agent',
        protocol: 'function-calling',
      },
    );
    const react = buildAgentRequest('react', env().agentSystemPrompt('react'), env().tools(), [
      { role: 'user', content: 'hi' },
    ]);
    assert.deepEqual(classify(msgs(react.messages as ChatRequest['messages']), []), {
      role: 'agent',
      protocol: 'react',
      dialect: { thought: 'THOUGHT', say: 'SAY', end: '' },
    });
  });

  void test("react in upstream's spelling (prompts.yaml: PLAN / SPEAK / <COMMAND_END>) is answered in kind", async () => {
    const upstream = getEnvironment('toolwoz', DATA, {
      promptsFile: path.join(DATA, 'toolwoz', 'prompts', 'prompts.yaml'),
    });
    const body = buildAgentRequest('react', upstream.agentSystemPrompt('react'), upstream.tools(), [
      { role: 'user', content: 'I need a cheap guesthouse in the north.' },
    ]);
    const role = classify(msgs(body.messages as ChatRequest['messages']), []);
    assert.deepEqual(role, {
      role: 'agent',
      protocol: 'react',
      dialect: { thought: 'PLAN', say: 'SPEAK', end: ' <COMMAND_END>' },
    });
    const model = createModel(loadToolwozDb(DATA), DEFAULT_ERROR_RATES);
    const reply = model.respond({
      ...(body as unknown as ChatRequest),
      model: 'm',
      temperature: 0,
    }).completion;
    assert.match(
      reply.content ?? '',
      /^PLAN: .+ <COMMAND_END>\nAPICALL: \{"name": "search_hotel".* <COMMAND_END>$/,
    );
    const action = parseAgentReply('react', reply);
    assert.ok(action.kind === 'tool' && action.call.name === 'search_hotel');
    // Its own earlier SPEAK is read back as speech on the next call.
    const next = buildAgentRequest('react', upstream.agentSystemPrompt('react'), upstream.tools(), [
      { role: 'user', content: 'I need a cheap guesthouse in the north.' },
      {
        role: 'assistant',
        content: 'PLAN: ask <COMMAND_END>\nSPEAK: Do you need free parking? <COMMAND_END>',
      },
      { role: 'user', content: 'I have no preference about the parking.' },
    ]);
    const again = parseAgentReply(
      'react',
      model.respond({ ...(next as unknown as ChatRequest), model: 'm', temperature: 0 }).completion,
    );
    assert.ok(again.kind === 'tool');
    // "no preference about the parking" adds no parking constraint.
    assert.deepEqual(again.call.arguments, { pricerange: 'cheap', type: 'guesthouse', area: 'north' });
  });

  void test('caller: goal sentences in the system prompt (markup or not) → goal; in one user message → guide', () => {
    const task = env().listTasks('val')[0];
    const plan = env().userTurn(task, 'goal', []);
    assert.equal(plan.kind, 'llm');
    if (plan.kind === 'llm') {
      const role = classify(msgs(plan.messages), []);
      assert.equal(role.role, 'user');
      if (role.role === 'user') assert.deepEqual(role.goals, task.goalMessage);
    }
    const marked = fillTemplate(DEFAULT_PROMPTS.userGoalSystem, {
      goals: goalLines([
        "You are looking for a <span class='emphasis'>train</span>. The train should go to <span class='emphasis'>ely</span>",
      ]),
    });
    const role = classify(msgs([{ role: 'system', content: marked }]), []);
    assert.ok(
      role.role === 'user' &&
        role.kind === 'goal' &&
        role.goals[0] === 'You are looking for a train. The train should go to ely',
    );

    const guide = env().userTurn(task, 'guide', [
      { role: 'user', content: 'Hi, I need a hotel.' },
      { role: 'assistant', content: 'What area?' },
    ]);
    if (guide.kind === 'llm') {
      const g = classify(msgs(guide.messages), []);
      assert.ok(g.role === 'user' && g.kind === 'guide');
      if (g.role === 'user' && g.kind === 'guide') {
        assert.deepEqual(g.conversation, [
          { speaker: 'caller', text: 'Hi, I need a hotel.' },
          { speaker: 'assistant', text: 'What area?' },
        ]);
      }
    }
  });

  void test('anything else is unknown', () => {
    assert.deepEqual(classify(msgs([{ role: 'user', content: 'Write a haiku.' }]), ['get_weather']), {
      role: 'unknown',
    });
  });
});

void describe('error model', () => {
  void test('rates scale with temperature, zero at temperature 0, capped at 1', () => {
    assert.deepEqual(scaledRates(DEFAULT_ERROR_RATES, 1), DEFAULT_ERROR_RATES);
    assert.ok(Object.values(scaledRates(DEFAULT_ERROR_RATES, 0)).every((r) => r === 0));
    assert.equal(scaledRates(DEFAULT_ERROR_RATES, 2).earlyBooking, 1);
    assert.equal(parseErrorRates('wrongSlot=0,malformedArgs=1').malformedArgs, 1);
    assert.throws(() => parseErrorRates('typo=0.1'), /unknown error kind "typo"/);
  });

  void test('the knobs act: malformedArgs=1 breaks every tool call; all zero at temperature 1 acts like temperature 0', () => {
    const db = loadToolwozDb(DATA);
    const env = getEnvironment('toolwoz', DATA);
    const body = buildAgentRequest(
      'function-calling',
      env.agentSystemPrompt('function-calling'),
      env.tools(),
      [{ role: 'user', content: 'I need an expensive restaurant in the centre that serves british food.' }],
    ) as unknown as ChatRequest;
    const broken = createModel(db, {
      ...DEFAULT_ERROR_RATES,
      malformedArgs: 1,
      chatInsteadOfAct: 0,
      wrongTool: 0,
    });
    for (let seed = 0; seed < 10; seed++) {
      const args =
        broken.respond({ ...body, model: 'm', temperature: 1, seed }).completion.toolCall?.arguments ?? '';
      assert.throws(() => JSON.parse(args), `seed ${seed}: ${args}`);
    }
    const perfect = createModel(db, {
      ...DEFAULT_ERROR_RATES,
      wrongSlot: 0,
      missingSlot: 0,
      earlyBooking: 0,
      wrongTool: 0,
      chatInsteadOfAct: 0,
      malformedArgs: 0,
    });
    const greedy = perfect.respond({ ...body, model: 'm', temperature: 0 }).completion;
    for (let seed = 0; seed < 10; seed++) {
      assert.deepEqual(perfect.respond({ ...body, model: 'm', temperature: 1, seed }).completion, greedy);
    }
    assert.deepEqual(JSON.parse(greedy.toolCall?.arguments ?? ''), {
      pricerange: 'expensive',
      area: 'centre',
      food: 'british',
    });
  });
});

void describe('whole conversations', () => {
  let sim: SimModelServer;
  before(async () => {
    sim = await createSimModelServer({ port: 0, dataDir: DATA });
  });
  after(() => sim.close());

  void test('at temperature 0 the agent and caller complete nearly every solvable task (both protocols)', async () => {
    const env = getEnvironment('toolwoz', DATA);
    const tasks = env
      .listTasks('val')
      .filter((t) => t.solvable)
      .slice(0, 40);
    for (const strategy of ['function-calling', 'react'] as const) {
      const results = await Promise.all(
        tasks.map((t) => rollout(`${sim.url}/v1`, env, t, { strategy, temperature: 0 })),
      );
      const done = results.filter((r) => r.reward === 1).length;
      // Measured when written: 40/40 for both protocols; the full val split reaches 754/755.
      assert.ok(done >= 38, `${strategy}: ${done}/40 succeeded at temperature 0`);
      const ended = results.filter((r) =>
        r.transcript.some((m) => m.role === 'user' && m.content.includes('END_CONVERSATION')),
      );
      assert.equal(ended.length, 0, 'a successful search stops before the caller has to hang up');
    }
  });

  void test('at temperature 1 the default error model makes real mistakes', async () => {
    const env = getEnvironment('toolwoz', DATA);
    const tasks = env
      .listTasks('val')
      .filter((t) => t.solvable)
      .slice(0, 40);
    const results = await Promise.all(
      tasks.map((t) => rollout(`${sim.url}/v1`, env, t, { temperature: 1, runId: 'errors' })),
    );
    const done = results.filter((r) => r.reward === 1).length;
    assert.ok(done < 30, `${done}/40 succeeded: the sampled agent should fail often`);
    assert.ok(done > 2, `${done}/40 succeeded: but not always`);
  });

  void test('the guide caller (goals, reference call and conversation in one prompt) gets tasks done too', async () => {
    const env = getEnvironment('toolwoz', DATA);
    const tasks = env
      .listTasks('val')
      .filter((t) => t.solvable)
      .slice(0, 20);
    const results = await Promise.all(
      tasks.map((t) => rollout(`${sim.url}/v1`, env, t, { user: 'guide', temperature: 0 })),
    );
    const done = results.filter((r) => r.reward === 1).length;
    assert.ok(done >= 18, `${done}/20 succeeded with the guide caller at temperature 0`);
    assert.ok(sim.stats().requests.byKind['user-guide'] > 0);
  });
});
