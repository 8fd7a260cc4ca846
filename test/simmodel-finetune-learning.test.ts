// The simulated model's learning rule (src/simmodel/finetune/learning.ts, lessons.ts): which
// decisions of a training file teach which error kind, how the rates fall with the count, that an
// empty file changes nothing, and — through the server — that a fine-tuned model differs from its
// base only on the decisions its file taught.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { buildAgentRequest } from '../src/agent';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import { loadToolwozDb } from '../src/env/toolwoz/db';
import {
  DEFAULT_ERROR_RATES,
  FLOOR,
  LESSONS,
  TOOLWOZ_LESSONS,
  createSimModelServer,
  learnRates,
  learningFactor,
} from '../src/simmodel';
import type { SimModelServer } from '../src/simmodel';
import { countDemonstrations } from '../src/simmodel/finetune/learning';
import type { DpoRecord, SftRecord, TrainingData } from '../src/simmodel/finetune/validate';
import { buildWorld } from '../src/simmodel/vocab';

const DATA = resolveDataDir();
const env = getEnvironment('toolwoz', DATA);
const world = buildWorld(loadToolwozDb(DATA));
const SYSTEM = env.agentSystemPrompt('function-calling');
const TOOLS = (
  buildAgentRequest('function-calling', SYSTEM, env.tools(), []) as unknown as { tools: SftRecord['tools'] }
).tools;

const call = (id: string, name: string, args: object | string) => ({
  role: 'assistant' as const,
  tool_calls: [
    {
      id,
      type: 'function' as const,
      function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
    },
  ],
});
const OPENING = 'I am looking for a cheap restaurant in the centre that serves italian food.';
const SEARCH = { food: 'italian', pricerange: 'cheap', area: 'centre' };

/** A golden booking conversation: a search straight after the request, then a full booking. */
function goldenRecord(weights: { search?: 0 | 1 } = {}): SftRecord {
  const search = call('c1', 'search_restaurant', SEARCH);
  return {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: OPENING },
      weights.search === undefined ? search : { ...search, weight: weights.search },
      {
        role: 'tool',
        tool_call_id: 'c1',
        content: JSON.stringify([
          { name: 'pizza hut city centre', food: 'italian', pricerange: 'cheap', area: 'centre' },
        ]),
      },
      {
        role: 'assistant',
        content: 'Pizza Hut City Centre is a cheap italian place in the centre. Shall I book it?',
      },
      { role: 'user', content: 'Yes please, for 2 people on friday at 18:00.' },
      call('c2', 'book_restaurant', {
        name: 'pizza hut city centre',
        people: '2',
        day: 'friday',
        time: '18:00',
      }),
      {
        role: 'tool',
        tool_call_id: 'c2',
        content: JSON.stringify({ success: true, return: { reference: 'ABC123' } }),
      },
      { role: 'assistant', content: 'Booked, your reference is ABC123.' },
    ],
    tools: TOOLS,
  };
}

const sftData = (records: SftRecord[]): TrainingData => ({ method: 'supervised', records });
const dpoData = (records: DpoRecord[]): TrainingData => ({ method: 'dpo', records });

/** A preference pair at the opening: the golden search preferred over `rejected`. */
function pair(rejected: DpoRecord['non_preferred_output'][number]): DpoRecord {
  return {
    input: {
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: OPENING },
      ],
      tools: TOOLS,
    },
    preferred_output: [call('g', 'search_restaurant', SEARCH)],
    non_preferred_output: [rejected],
  };
}
const REJECTED: Record<string, DpoRecord['non_preferred_output'][number]> = {
  chatInsteadOfAct: { role: 'assistant', content: 'What price range would you like?' },
  missingSlot: call('r', 'search_restaurant', { food: 'italian', area: 'centre' }),
  wrongSlot: call('r', 'search_restaurant', { ...SEARCH, area: 'north' }),
  malformedArgs: call('r', 'search_restaurant', '{"food": "italian", "area": "centre"'),
  wrongTool: call('r', 'search_hotel', { pricerange: 'cheap', area: 'centre' }),
  earlyBooking: call('r', 'book_restaurant', { name: 'pizza hut city centre' }),
};

/** The kinds the ToolWOZ lessons teach; `zero`: no demonstrations of any kind with a lesson. */
const TAUGHT = TOOLWOZ_LESSONS.map((l) => l.kind) as (keyof typeof DEFAULT_ERROR_RATES)[];
const zero = Object.fromEntries(LESSONS.map((l) => [l.kind, 0]));

void describe('the learning rule', () => {
  void test('an SFT record: each decision counts for the kinds it shows done right', () => {
    const { demonstrations, decisions } = countDemonstrations(sftData([goldenRecord()]), world);
    assert.equal(decisions, 4);
    assert.deepEqual(demonstrations, {
      ...zero,
      malformedArgs: 2, // both calls parse
      wrongTool: 2, // a search of the domain asked about, a booking where it was searched
      chatInsteadOfAct: 1, // the search came straight after the request
      earlyBooking: 1, // the booking carried time, day and people
      missingSlot: 2, // every stated value was carried, in both calls
      wrongSlot: 2, // with the caller's values
    });
  });

  void test('weight 0 is not learned from; a call with a value the caller did not give teaches no wrongSlot', () => {
    const skipped = countDemonstrations(sftData([goldenRecord({ search: 0 })]), world);
    assert.equal(skipped.decisions, 3);
    assert.equal(skipped.demonstrations.chatInsteadOfAct, 0);
    const wrong = goldenRecord();
    wrong.messages[2] = call('c1', 'search_restaurant', { ...SEARCH, area: 'north' });
    const d = countDemonstrations(sftData([wrong]), world).demonstrations;
    assert.equal(d.wrongSlot, 1); // the booking only
    assert.equal(d.missingSlot, 2); // nothing was left out
  });

  void test('a preference pair teaches exactly the kind its rejected side shows', () => {
    for (const [kind, rejected] of Object.entries(REJECTED)) {
      const { demonstrations } = countDemonstrations(dpoData([pair(rejected)]), world);
      assert.deepEqual(demonstrations, { ...zero, [kind]: 1 }, kind);
    }
  });

  void test('τ-bench: a confirmed write call, a lookup of the order named, and pairs for each τ kind', () => {
    const said = (content: string) => ({ role: 'user' as const, content });
    const sft: SftRecord = {
      messages: [
        { role: 'system', content: 'You are a retail agent.' },
        said('Please cancel my order #W1234567, I ordered it by mistake.'),
        call('a1', 'get_order_details', { order_id: '#W1234567' }),
        { role: 'tool', tool_call_id: 'a1', content: '{"order_id": "#W1234567", "status": "pending"}' },
        {
          role: 'assistant',
          content: 'I will cancel order #W1234567 (ordered by mistake). Shall I proceed?',
        },
        said('Yes, please.'),
        call('a2', 'cancel_pending_order', { order_id: '#W1234567', reason: 'ordered by mistake' }),
        { role: 'tool', tool_call_id: 'a2', content: '{"status": "cancelled"}' },
        { role: 'assistant', content: 'Your order is cancelled.' },
      ],
    };
    assert.deepEqual(countDemonstrations(sftData([sft]), world).demonstrations, {
      ...zero,
      malformedArgs: 2,
      tauWrongOrder: 1,
      tauEarlyAction: 1,
      tauNoFinalWrite: 1,
      tauEarlyTransfer: 1,
    });
    const prompt = [said('I want to exchange two items of order #W1.')];
    const exchange = {
      order_id: '#W1',
      item_ids: ['1', '2'],
      new_item_ids: ['3', '4'],
      payment_method_id: 'gift_card_1',
    };
    const tauPair = (
      chosen: DpoRecord['preferred_output'][number],
      rejected: DpoRecord['non_preferred_output'][number],
    ): DpoRecord => ({
      input: { messages: prompt },
      preferred_output: [chosen],
      non_preferred_output: [rejected],
    });
    const ask = { role: 'assistant' as const, content: 'I will exchange items 1 and 2. Shall I proceed?' };
    const write = call('x', 'exchange_delivered_order_items', exchange);
    const cases: [string, DpoRecord][] = [
      ['tauEarlyAction', tauPair(ask, write)],
      [
        'tauNoFinalWrite',
        tauPair(write, { role: 'assistant', content: 'Done: your request has been submitted.' }),
      ],
      ['tauEarlyTransfer', tauPair(ask, call('x', 'transfer_to_human_agents', { summary: 'exchange' }))],
      [
        'tauWrongOrder',
        tauPair(
          call('x', 'get_order_details', { order_id: '#W1' }),
          call('x', 'get_order_details', { order_id: '#W2' }),
        ),
      ],
      [
        'tauMissingItem',
        tauPair(
          write,
          call('x', 'exchange_delivered_order_items', { ...exchange, item_ids: ['1'], new_item_ids: ['3'] }),
        ),
      ],
      [
        'tauWrongVariant',
        tauPair(
          write,
          call('x', 'exchange_delivered_order_items', { ...exchange, new_item_ids: ['3', '5'] }),
        ),
      ],
      [
        'tauWrongPayment',
        tauPair(
          write,
          call('x', 'exchange_delivered_order_items', { ...exchange, payment_method_id: 'credit_card_2' }),
        ),
      ],
    ];
    for (const [kind, record] of cases)
      assert.deepEqual(
        countDemonstrations(dpoData([record]), world).demonstrations,
        { ...zero, [kind]: 1 },
        kind,
      );
    // A τ file changes no ToolWOZ kind but the shared malformedArgs.
    const learned = learnRates(DEFAULT_ERROR_RATES, sftData([sft]), world).rates;
    for (const k of TAUGHT) if (k !== 'malformedArgs') assert.equal(learned[k], DEFAULT_ERROR_RATES[k], k);
    assert.ok(learned.tauEarlyAction < DEFAULT_ERROR_RATES.tauEarlyAction);
  });

  void test('the factor falls with the count and stops at the floor', () => {
    assert.equal(learningFactor(0), 1);
    let prev = 1;
    for (const n of [1, 5, 20, 50, 100, 150]) {
      const f = learningFactor(n);
      assert.ok(f < prev, `factor(${n}) = ${f} should be below ${prev}`);
      assert.ok(f >= FLOOR);
      prev = f;
    }
    assert.equal(learningFactor(50), 0.5);
    assert.equal(learningFactor(1e9), FLOOR);
  });

  void test('an empty file changes nothing; more demonstrations give lower rates; other kinds are untouched', () => {
    const parent = { ...DEFAULT_ERROR_RATES, someOtherDomainKind: 0.4 };
    assert.deepEqual(learnRates(parent, sftData([]), world).rates, parent);
    assert.deepEqual(learnRates(parent, dpoData([]), world).rates, parent);
    const few = learnRates(parent, sftData(Array.from({ length: 5 }, () => goldenRecord())), world).rates;
    const many = learnRates(parent, sftData(Array.from({ length: 20 }, () => goldenRecord())), world).rates;
    for (const k of TAUGHT) {
      assert.ok(few[k] < parent[k], k);
      assert.ok(many[k] < few[k], k);
    }
    // A kind without a lesson never changes.
    assert.equal(many.someOtherDomainKind, 0.4);
    for (const k of Object.keys(DEFAULT_ERROR_RATES) as (keyof typeof DEFAULT_ERROR_RATES)[])
      if (!TAUGHT.includes(k)) assert.equal(many[k], parent[k], k);
    const onlyChat = learnRates(parent, dpoData([pair(REJECTED.chatInsteadOfAct)]), world).rates;
    assert.deepEqual(onlyChat, { ...parent, chatInsteadOfAct: parent.chatInsteadOfAct * learningFactor(1) });
    // Deterministic, and compounding from a fine-tuned parent.
    const data = sftData([goldenRecord(), goldenRecord()]);
    assert.deepEqual(learnRates(parent, data, world), learnRates(parent, data, world));
    const twice = learnRates(learnRates(parent, data, world).rates, data, world).rates;
    assert.ok(Math.abs(twice.wrongSlot - parent.wrongSlot * learningFactor(4) ** 2) < 1e-12);
  });
});

void describe('a fine-tuned model through the server', () => {
  let sim: SimModelServer;
  let client: OpenAI;
  before(async () => {
    sim = await createSimModelServer({ port: 0, dataDir: DATA, fineTuneSecondsPerPhase: 0 });
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 });
  });
  after(() => sim.close());

  async function fineTune(records: object[], type: 'supervised' | 'dpo'): Promise<string> {
    const text = records.map((r) => JSON.stringify(r)).join('\n');
    const f = await client.files.create({
      file: await toFile(Buffer.from(text), 'd.jsonl'),
      purpose: 'fine-tune',
    });
    const job = await client.fineTuning.jobs.create({
      model: 'josh-sim-agent',
      training_file: f.id,
      method: { type },
    });
    const done = await client.fineTuning.jobs.retrieve(job.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    return done.fine_tuned_model ?? '';
  }

  const OPENINGS = [
    'Hi! I need a place to stay in the north. It should be a guesthouse with free parking.',
    'I want to find a cheap restaurant in the centre please.',
    'Can you help me find a hotel in the east?',
    'I am looking for an expensive restaurant.',
  ];
  async function replies(model: string) {
    const out: { text: string | null; name?: string; args?: string }[] = [];
    for (const opening of OPENINGS) {
      const body = buildAgentRequest('function-calling', SYSTEM, env.tools(), [
        { role: 'user', content: opening },
      ]);
      for (let seed = 0; seed < 25; seed++) {
        const r = await client.chat.completions.create({
          ...(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
          model,
          temperature: 1,
          seed,
        });
        const m = r.choices[0].message;
        const fn = m.tool_calls?.[0]?.type === 'function' ? m.tool_calls[0].function : undefined;
        out.push({ text: fn ? null : m.content, name: fn?.name, args: fn?.arguments });
      }
    }
    return out;
  }

  void test('pairs against asking instead of searching: the fine-tuned agent asks less often', async () => {
    const ft = await fineTune(
      Array.from({ length: 200 }, () => pair(REJECTED.chatInsteadOfAct)),
      'dpo',
    );
    const base = await replies('josh-sim-agent');
    const tuned = await replies(ft);
    const asks = (rs: typeof base): number => rs.filter((r) => r.text !== null).length;
    assert.ok(asks(base) > 0);
    assert.ok(asks(tuned) < asks(base), `asks: base ${asks(base)}, fine-tuned ${asks(tuned)}`);
  });

  void test('a file that teaches only well-formed arguments leaves every other decision as the base makes it', async () => {
    const ft = await fineTune(
      Array.from({ length: 200 }, () => pair(REJECTED.malformedArgs)),
      'dpo',
    );
    const base = await replies('josh-sim-agent');
    const tuned = await replies(ft);
    const parses = (a: string | undefined): boolean => {
      try {
        JSON.parse(a ?? '');
        return true;
      } catch {
        return false;
      }
    };
    base.forEach((b, i) => {
      const t = tuned[i];
      assert.equal(t.text, b.text);
      assert.equal(t.name, b.name);
      // Only a base call with broken arguments may differ, and then the fine-tuned one parses.
      if (t.args !== b.args) assert.ok(!parses(b.args) && parses(t.args), `${b.args} → ${t.args}`);
    });
    const broken = (rs: typeof base): number => rs.filter((r) => r.name && !parses(r.args)).length;
    assert.ok(broken(tuned) <= broken(base));
    // With nothing taught at all, the fine-tuned model is the base, reply for reply.
    const nothing = await fineTune([], 'supervised');
    assert.deepEqual(await replies(nothing), base);
  });
});
