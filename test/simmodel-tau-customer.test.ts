// The τ customer of the simulated model: its answers to typical agent messages (from its scenario
// only), confirmations and corrections, fallbacks, the stop marker, /stats kinds, and a whole τ
// conversation driven twice over HTTP with the same seeds coming out byte-identical.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { userGoalSystemPrompt, USER_GOAL_TURN } from '../src/env/tau/prompts';
import { END_MARKER } from '../src/shared/messages';
import { type SimModelServer, createSimModelServer } from '../src/simmodel';
import { runSearch, simClient } from './helpers/simRollout';

const DATA = resolveDataDir();

const RETAIL =
  "Your name is Mia Jackson and your email is mia.jackson5798@example.com. You are patient, shy. Cancel order #W6236251 because ordered by mistake. For #W1205816, modify Tea Kettle {'material': 'ceramic', 'capacity': '1.5 liters', 'stovetop compatibility': 'induction'} to {'material': 'glass', 'capacity': '2 liters'}; via gift_card_5715854. ";
const ZIP_ONLY =
  'Your name is Ivan Kim and your zip code is 60636. You are polite. Cancel order #W6443279 because no longer needed. ';
const FALLBACK =
  'You are Olivia Lopez, and you live in Texas in 76171. You received a tablet in order #W2692684 and want to exchange it for the same item. If it is not available, you want to return it instead.';

let sim: SimModelServer;
before(async () => {
  sim = await createSimModelServer({ port: 0, dataDir: DATA });
});
after(async () => {
  await sim.close();
});

/** The customer's reply after the agent said `agentLines` (alternating with the customer's own). */
async function reply(
  instruction: string,
  turns: string[],
  domain: 'retail' | 'airline' = 'retail',
): Promise<string> {
  // turns: customer, agent, customer, agent, ... ending with an agent line (the customer's view flips roles).
  const messages = [
    { role: 'system' as const, content: userGoalSystemPrompt(domain, instruction) },
    ...turns.map((t, i) => ({ role: i % 2 === 0 ? ('assistant' as const) : ('user' as const), content: t })),
    { role: 'user' as const, content: USER_GOAL_TURN },
  ];
  const r = await simClient(`${sim.url}/v1`).chat.completions.create({
    model: 'josh-sim-user',
    messages,
    temperature: 0,
  });
  return r.choices[0].message.content ?? '';
}

/** Plays the customer for a list of agent lines, returning every customer message. */
async function play(
  instruction: string,
  agentLines: string[],
  domain: 'retail' | 'airline' = 'retail',
): Promise<string[]> {
  const turns: string[] = [];
  const opening = await reply(instruction, [], domain);
  turns.push(opening);
  for (const a of agentLines) {
    turns.push(a);
    turns.push(await reply(instruction, turns, domain));
  }
  return turns.filter((_, i) => i % 2 === 0);
}

void describe('τ customer answers', () => {
  test('opens with its first request without ids, gives identity, order, reason when asked', async () => {
    const said = await play(RETAIL, [
      'Before I can help, I need to verify your identity. Please give me the email address on your account, or your first name, last name and zip code.',
      'Which order is it about? Please give me the order id (it looks like #W0000000).',
      "What is the reason for the cancellation: 'no longer needed' or 'ordered by mistake'?",
    ]);
    assert.match(said[0], /cancel/i);
    assert.doesNotMatch(said[0], /#W\d{7}/, 'the opening gives no ids');
    assert.match(said[1], /mia\.jackson5798@example\.com/);
    assert.match(said[2], /#W6236251/);
    assert.doesNotMatch(said[2], /#W1205816/, 'only the order of the current request');
    assert.match(said[3], /ordered by mistake/);
  });

  test('without an email it says so and gives name and zip', async () => {
    const said = await play(ZIP_ONLY, ['Could you please give me the email address on your account?']);
    assert.match(said[1], /don't remember my email/i);
    assert.match(said[1], /Ivan Kim/);
    assert.match(said[1], /60636/);
  });

  test('confirms a matching action, corrects a wrong one, moves on when done, ends when all is done', async () => {
    const right =
      "To confirm, I will cancel order #W6236251 (reason: 'ordered by mistake'). Shall I proceed (yes/no)?";
    const wrong =
      "To confirm, I will cancel order #W1111111 (reason: 'ordered by mistake'). Shall I proceed (yes/no)?";
    const said = await play(RETAIL, [
      'Before I can help, I need to verify your identity. Please give me your email.',
      wrong,
      right,
      'Done: order #W6236251 is now "cancelled". Is there anything else I can help you with?',
    ]);
    assert.match(said[2], /^No\b/);
    assert.match(said[2], /#W6236251/);
    assert.match(said[3], /^Yes\b/);
    assert.match(said[4], /Tea Kettle/, 'moves on to its next request');
    assert.match(said[4], /#W1205816/);
    assert.ok(!said[4].includes(END_MARKER));
  });

  test('checks the wanted options, the payment method and the items of a stated change', async () => {
    const base =
      'To confirm, I will modify these items of order #W1205816: Tea Kettle (item 3312883418: ceramic, 1.5 liters, induction) to Tea Kettle (item X: glass, 2 liters, induction)';
    const prefix = [
      'Before I can help, I need to verify your identity. Please give me your email.',
      "To confirm, I will cancel order #W6236251 (reason: 'ordered by mistake'). Shall I proceed (yes/no)?",
      'Done: order #W6236251 is now "cancelled". Is there anything else I can help you with?',
    ];
    const ok = await play(RETAIL, [
      ...prefix,
      `${base}; paid with gift_card_5715854. Shall I proceed (yes/no)?`,
    ]);
    assert.match(ok[4], /^Yes\b/);
    const wrongOption = await play(RETAIL, [
      ...prefix,
      'To confirm, I will modify these items of order #W1205816: Tea Kettle (item 3312883418: ceramic, 1.5 liters, induction) to Tea Kettle (item X: glass, 1 liter, induction); paid with gift_card_5715854. Shall I proceed (yes/no)?',
    ]);
    assert.match(wrongOption[4], /^No\b.*2 liters/);
    const wrongPayment = await play(RETAIL, [
      ...prefix,
      `${base}; paid with paypal_1234567. Shall I proceed (yes/no)?`,
    ]);
    assert.match(wrongPayment[4], /^No\b.*gift_card_5715854/);
    const extraItem = await play(RETAIL, [
      ...prefix,
      `${base}, Wall Clock (item 1: white) to Wall Clock (item 2: black); paid with gift_card_5715854. Shall I proceed (yes/no)?`,
    ]);
    assert.match(extraItem[4], /^No\b.*Wall Clock/);
  });

  test('answers only from its scenario', async () => {
    const said = await play(ZIP_ONLY, [
      'Which items would you like to return, and which payment method should the refund go to?',
    ]);
    // Its scenario names no items: it does not make any up.
    assert.doesNotMatch(said[1], /Kettle|Tablet|Laptop|gift_card|paypal/);
    const dob = await play(ZIP_ONLY, ['What is your date of birth?']);
    assert.match(dob[1], /don't (know|have)/);
    assert.doesNotMatch(dob[1], /\d{4}-\d{2}-\d{2}|19\d\d/);
  });

  test("follows its scenario's fallback when the agent cannot do it", async () => {
    const said = await play(FALLBACK, [
      'Before I can help, I need to verify your identity. Please give me your email, or your name and zip code.',
      'Sorry, I could not do that: the same tablet is not available. Is there anything else?',
    ]);
    assert.match(said[1], /Olivia Lopez/);
    assert.match(said[1], /76171/);
    assert.match(said[2], /^In that case, .*return/i);
  });

  test('ends with the stop marker when handed to a human, and counts as tau-customer', async () => {
    sim.resetStats();
    const said = await play(ZIP_ONLY, [
      'I have transferred you to a human agent. They will contact you shortly.',
    ]);
    assert.ok(said[1].endsWith(END_MARKER));
    assert.equal(sim.stats().requests.byKind['tau-customer'], 2);
    assert.equal(sim.stats().requests.user, 2);
  });
});

const AIRLINE =
  'You are mia_li_3668. You want to fly from New York to Seattle on May 20 (one way). You want to fly in economy. You have 3 baggages. You do not want insurance.';

void describe('τ airline customer answers', () => {
  test('gives its user id, route, date, cabin, bags and insurance wish when asked', async () => {
    const said = await play(
      AIRLINE,
      [
        'Before I can help, I need to verify your identity. Please tell me your user id.',
        'Where would you like to fly from and to?',
        'What date would you like to travel?',
        'Which cabin class would you like?',
        'How many checked bags will you have?',
        'Would you like to add travel insurance?',
      ],
      'airline',
    );
    assert.match(said[0], /book a flight/i);
    assert.match(said[1], /mia_li_3668/);
    assert.match(said[2], /New York.*Seattle/);
    assert.match(said[3], /May 20/);
    assert.match(said[4], /economy/);
    assert.match(said[5], /\b3 checked bags/);
    assert.match(said[6], /^No\b/);
  });

  test('without its reservation id it picks its trip from the reservations the agent lists', async () => {
    const scenario =
      'You are olivia_gonzalez_2305. You want to cancel your trip from Newark to Chicago on May 25. You do not remember the reservation id.';
    const said = await play(
      scenario,
      [
        'Before I can help, I need to verify your identity. Please tell me your user id.',
        'Which reservation is it about? You have: UM3OG5 (SEA to DFW, 2024-05-26, economy); FQ8APE (EWR to ORD, 2024-05-25, basic economy).',
      ],
      'airline',
    );
    assert.match(said[0], /cancel/i);
    assert.match(said[2], /FQ8APE/);
    assert.doesNotMatch(said[2], /UM3OG5/);
    const sick = await play(
      'You are anya_garcia_5901. You want to cancel reservation 3RK2T9 because you are sick.',
      [
        'Before I can help, I need to verify your identity. Please tell me your user id.',
        'What is the reason for the cancellation?',
      ],
      'airline',
    );
    assert.match(sick[2], /health/);
  });
});

void describe('τ conversation through the model over HTTP', () => {
  test('τ requests are counted by kind: the react agent, the function-calling agent, the customer', async () => {
    const env = getEnvironment('tau-retail', DATA);
    const task = env.listTasks('train')[1];
    sim.resetStats();
    await runSearch(simClient(`${sim.url}/v1`), env, task, { beam: 1, temperature: 0, strategy: 'react' });
    const kinds = sim.stats().requests.byKind;
    assert.ok(kinds['tau-agent-react'] > 0);
    assert.ok(kinds['tau-customer'] > 0);
    assert.equal(
      kinds['tau-agent-function-calling'] + kinds['agent-react'] + kinds['user-goal'] + kinds.unknown,
      0,
    );
  });

  test('the same seeds give a byte-identical transcript; another seed may differ', async () => {
    const env = getEnvironment('tau-retail', DATA);
    const task = env.listTasks('train')[0];
    const client = simClient(`${sim.url}/v1`);
    const a = await runSearch(client, env, task, { beam: 1, temperature: 1, runId: 'tau-det' });
    const b = await runSearch(client, env, task, { beam: 1, temperature: 1, runId: 'tau-det' });
    assert.equal(JSON.stringify(a.transcript), JSON.stringify(b.transcript));
    assert.ok(a.transcript.length >= 4, 'a real conversation');
    const customer = a.transcript.filter((m) => m.role === 'user').map((m) => m.content);
    assert.match(customer[0], /return/i);
    // A second server instance answers the same way (no state, no clock).
    const other = await createSimModelServer({ port: 0, dataDir: DATA });
    try {
      const c = await runSearch(simClient(`${other.url}/v1`), env, task, {
        beam: 1,
        temperature: 1,
        runId: 'tau-det',
      });
      assert.equal(JSON.stringify(c.transcript), JSON.stringify(a.transcript));
    } finally {
      await other.close();
    }
  });

  test('at temperature 0 the customer and the agent finish a simple task', async () => {
    const env = getEnvironment('tau-retail', DATA);
    const task = env.listTasks('train')[0];
    const out = await runSearch(simClient(`${sim.url}/v1`), env, task, {
      beam: 1,
      temperature: 0,
      runId: 't0',
    });
    assert.equal(out.reward, 1);
  });
});

void describe('τ customer over every task of every split', () => {
  // A fixed agent that keeps asking the usual questions: every customer, whatever its scenario,
  // answers each with a non-empty message, never recites its instruction, and ends with the stop
  // marker within its message cap.
  const AGENT = [
    'Before I can help, I need to verify your identity. Please give me the email address on your account, or your first name, last name and zip code.',
    'Which order is it about? Please give me the order id.',
    'Which items would you like to change?',
    'Which options would you like instead?',
    'Which payment method would you like to use?',
    'Which reservation is it about? Please give me the reservation id.',
    'How can I help you today?',
  ];
  test('answers, stays short of its instruction, and ends within the cap', async () => {
    const { getTauWorld } = await import('../src/simmodel/tau/world');
    const { parseScenario } = await import('../src/simmodel/tau/customer/parse');
    const { nextCustomerMessage, scenarioKey, TAU_MAX_TURNS } =
      await import('../src/simmodel/tau/customer/policy');
    const { loadV1Split, loadTau2 } = await import('../src/env/tau/tasks');
    const world = getTauWorld(DATA);
    const all: [string, 'retail' | 'airline'][] = [];
    for (const split of ['train', 'dev', 'test'])
      for (const t of loadV1Split(DATA, 'retail', split)) all.push([t.instruction, 'retail']);
    for (const t of loadV1Split(DATA, 'airline', 'test')) all.push([t.instruction, 'airline']);
    for (const t of loadTau2(DATA, 'retail').tasks) all.push([t.instruction, 'retail']);
    assert.equal(all.length, 799);
    for (const [instruction, domain] of all) {
      const ctx = {
        world,
        scenario: parseScenario(world, instruction, domain),
        key: scenarioKey(instruction),
      };
      const exchanges: { agent: string | null; own: string | null }[] = [{ agent: null, own: null }];
      let ended = false;
      for (let turn = 0; turn <= TAU_MAX_TURNS + 1 && !ended; turn++) {
        const said = nextCustomerMessage(ctx, exchanges);
        assert.ok(said.trim().length > 0, instruction);
        assert.ok(!said.includes(instruction.trim()), `recited its instruction: ${said}`);
        exchanges[exchanges.length - 1].own = said;
        ended = said.includes(END_MARKER);
        exchanges.push({ agent: AGENT[turn % AGENT.length], own: null });
      }
      assert.ok(ended, `never ended: ${instruction.slice(0, 80)}`);
    }
  });
});
