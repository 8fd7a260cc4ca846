// The simulated model as the official openai SDK sees it: valid completions with tool calls
// (function calling), valid react text, the model list, OpenAI-shaped errors, counters, latency.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { buildAgentRequest, parseAgentReply } from '../src/agent';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import type { Environment } from '../src/env/types';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';

const DATA = resolveDataDir();
let sim: SimModelServer;
let client: OpenAI;
let env: Environment;

before(async () => {
  sim = await createSimModelServer({ port: 0, dataDir: DATA });
  client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test', maxRetries: 0, timeout: 10_000 });
  env = getEnvironment('toolwoz', DATA);
});
after(() => sim.close());

const opening = 'Hi! I need a place to stay in the north. It should be a guesthouse with free parking.';

function agentBody(strategy: 'function-calling' | 'react', text = opening) {
  return buildAgentRequest(strategy, env.agentSystemPrompt(strategy), env.tools(), [
    { role: 'user', content: text },
  ]);
}

void describe('simulated model over the openai SDK', () => {
  void test('function calling: a search tool call with the stated constraints, arguments as a JSON string', async () => {
    const r = await client.chat.completions.create({
      ...(agentBody('function-calling') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'josh-sim-agent',
      temperature: 0,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, 'josh-sim-agent');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(typeof r.created, 'number');
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    const call = choice.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'search_hotel');
    assert.deepEqual(JSON.parse(call.function.arguments), {
      area: 'north',
      type: 'guesthouse',
      parking: 'yes',
    });
    assert.ok(r.usage && r.usage.prompt_tokens > 100 && r.usage.completion_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
    // The project's own strategy reads it as one tool call.
    const action = parseAgentReply('function-calling', choice.message);
    assert.equal(action.kind, 'tool');
  });

  void test('react: THOUGHT then one APICALL line that the react strategy parses', async () => {
    const r = await client.chat.completions.create({
      ...(agentBody('react') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'josh-sim-agent',
      temperature: 0,
    });
    const text = r.choices[0].message.content ?? '';
    assert.match(text, /^THOUGHT: .+\nAPICALL: \{"name": "search_hotel", "parameters": \{.*\}\}$/);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.choices[0].message.tool_calls, undefined);
    const action = parseAgentReply('react', r.choices[0].message);
    assert.equal(action.kind, 'tool');
    if (action.kind === 'tool') assert.equal(action.call.name, 'search_hotel');
  });

  void test('the goal caller opens with its first domain and ends with the end marker when told goodbye', async () => {
    const task = env.listTasks('val')[0];
    const plan = env.userTurn(task, 'goal', []);
    assert.equal(plan.kind, 'llm');
    if (plan.kind !== 'llm') return;
    const r = await client.chat.completions.create({
      model: 'josh-sim-user',
      messages: plan.messages,
      temperature: 0,
    });
    const text = r.choices[0].message.content ?? '';
    assert.match(text, /place to stay|accommodation/i);
    assert.doesNotMatch(text, /END_CONVERSATION/);
  });

  void test('GET /v1/models lists the simulated models', async () => {
    const models = await client.models.list();
    const ids = models.data.map((m) => m.id);
    assert.ok(ids.includes('josh-sim-agent') && ids.includes('josh-sim-user'));
  });

  void test('a request that is not ToolWOZ is answered and counted as unknown', async () => {
    await fetch(`${sim.url}/stats/reset`, { method: 'POST' });
    const r = await client.chat.completions.create({
      model: 'anything',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    assert.match(r.choices[0].message.content ?? '', /simulated model/);
    const stats = (await (await fetch(`${sim.url}/stats`)).json()) as { requests: Record<string, number> };
    assert.equal(stats.requests.unknown, 1);
    assert.equal(stats.requests.total, 1);
  });

  void test('invalid requests get OpenAI-shaped 400s the SDK types as BadRequestError', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'x', messages: [] }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.status === 400 && /messages/.test(e.message),
    );
    const raw = await fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: '{not json' });
    assert.equal(raw.status, 400);
    const body = (await raw.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(body.error.type, 'invalid_request_error');
    await assert.rejects(
      client.chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /stream/.test(e.message),
    );
  });

  void test('unknown routes are 404 with an error body', async () => {
    const r = await fetch(`${sim.url}/v1/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 404);
    const body = (await r.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'unknown_url');
  });

  void test('max_tokens cuts the reply and reports finish_reason length', async () => {
    const r = await client.chat.completions.create({
      ...(agentBody('react') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'josh-sim-agent',
      temperature: 0,
      max_tokens: 5,
    });
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage?.completion_tokens, 5);
    assert.ok((r.choices[0].message.content ?? '').length <= 20);
  });

  void test('tool_choice none makes the agent speak instead of calling', async () => {
    const r = await client.chat.completions.create({
      ...(agentBody('function-calling') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'josh-sim-agent',
      temperature: 0,
      tool_choice: 'none',
    });
    assert.equal(r.choices[0].message.tool_calls, undefined);
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.ok((r.choices[0].message.content ?? '').length > 0);
  });

  void test('stats count requests by role and tokens; POST /stats/reset zeroes them', async () => {
    await fetch(`${sim.url}/stats/reset`, { method: 'POST' });
    await client.chat.completions.create({
      ...(agentBody('function-calling') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'a',
    });
    await client.chat.completions.create({
      ...(agentBody('react') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
      model: 'a',
    });
    const s = sim.stats();
    assert.equal(s.requests.total, 2);
    assert.equal(s.requests.agent, 2);
    assert.equal(s.requests.byKind['agent-function-calling'], 1);
    assert.equal(s.requests.byKind['agent-react'], 1);
    assert.equal(s.completions, 2);
    assert.ok(s.tokens.prompt > 0 && s.tokens.completion > 0);
    const reset = (await (await fetch(`${sim.url}/stats/reset`, { method: 'POST' })).json()) as typeof s;
    assert.equal(reset.requests.total, 0);
    assert.equal(sim.stats().tokens.total, 0);
  });
});

void describe('latency', () => {
  void test('fixed latency plus jitter delays each completion, with timers that do not block the server', async () => {
    const latencyMs = 2_000;
    const slow = await createSimModelServer({ port: 0, dataDir: DATA, latencyMs, jitterMs: 20 });
    try {
      const c = new OpenAI({ baseURL: `${slow.url}/v1`, apiKey: 'test', maxRetries: 0 });
      const started = Date.now();
      const calls = Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `hello ${i}` }] }),
        ),
      );
      // The delay is a timer, not a block: all ten are in the server while none has been answered
      // (a blocking delay would answer the first before the second could even arrive).
      while (slow.stats().requests.total < 10) await new Promise((r) => setTimeout(r, 5));
      assert.equal(slow.stats().completions, 0, 'answered before the others arrived: serial, not parallel');
      await calls;
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= latencyMs - 25, `at least the latency minus jitter (${elapsed} ms)`);
    } finally {
      await slow.close();
    }
  });
});

void describe('options', () => {
  void test('bad options are rejected with a clear message', async () => {
    await assert.rejects(createSimModelServer({ dataDir: DATA, latencyMs: -1 }), /latencyMs/);
    await assert.rejects(
      createSimModelServer({ dataDir: DATA, faults: '429=0.8,500=0.5' }),
      /add up to at most 1/,
    );
    await assert.rejects(
      createSimModelServer({ dataDir: DATA, faults: 'teapot=0.1' }),
      /unknown fault "teapot"/,
    );
    await assert.rejects(createSimModelServer({ dataDir: DATA, errorRates: { wrongSlot: 2 } }), /wrongSlot/);
  });
});

void describe('answers like a real endpoint', () => {
  /** The opening, the agent's search for it and `result` as the tool's answer (a client's history). */
  function afterSearch(result: string): OpenAI.ChatCompletionCreateParamsNonStreaming {
    const body = agentBody('function-calling') as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const args = '{"area": "north", "type": "guesthouse", "parking": "yes"}';
    return {
      ...body,
      model: 'josh-sim-agent',
      temperature: 0,
      messages: [
        ...body.messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'search_hotel', arguments: args } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: result },
      ],
    };
  }
  const acorn = {
    name: 'acorn guest house',
    area: 'north',
    type: 'guesthouse',
    parking: 'yes',
    pricerange: 'moderate',
    stars: '4',
  };

  void test('"tools": null is accepted, as OpenAI accepts it', async () => {
    const r = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'josh-sim-agent',
        messages: [{ role: 'user', content: 'hello' }],
        tools: null,
        tool_choice: null,
        temperature: 0,
      }),
    });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as OpenAI.ChatCompletion;
    assert.equal(body.object, 'chat.completion');
    // The same answer as with no tools at all: null is absence, not a different request.
    const without = await client.chat.completions.create({
      model: 'josh-sim-agent',
      messages: [{ role: 'user', content: 'hello' }],
      temperature: 0,
    });
    assert.equal(body.choices[0].message.content, without.choices[0].message.content);
    assert.equal(body.id, without.id);
  });

  void test('a tool result that is JSON with NaN (a Python client) is read as the rows it holds', async () => {
    const strict = await client.chat.completions.create(afterSearch(JSON.stringify([acorn])));
    // Python's json.dumps writes NaN / Infinity for float('nan') / float('inf').
    const python = JSON.stringify([{ ...acorn, stars: 0 }]).replace('"stars":0', '"stars": NaN');
    assert.match(python, /NaN/);
    const r = await client.chat.completions.create(afterSearch(python));
    const message = r.choices[0].message;
    assert.equal(message.tool_calls, undefined, 'the agent presents the result instead of searching again');
    assert.match(message.content ?? '', /acorn guest house/i);
    assert.equal(strict.choices[0].message.tool_calls, undefined);
    assert.match(strict.choices[0].message.content ?? '', /acorn guest house/i);
  });

  void test('a tool result in plain words is read as text and passed on, not taken for a failed call', async () => {
    const text =
      'One match: the Acorn Guest House, a moderately priced guesthouse in the north with free parking.';
    const r = await client.chat.completions.create(afterSearch(text));
    const message = r.choices[0].message;
    assert.equal(message.tool_calls, undefined, 'the agent does not repeat the call as if it had failed');
    assert.match(message.content ?? '', /Acorn Guest House, a moderately priced guesthouse/);
    // An error in words is still an error: the agent tries again.
    const failed = await client.chat.completions.create(
      afterSearch('ERROR: invalid API call: search_hotel does not take "colour".'),
    );
    assert.ok(failed.choices[0].message.tool_calls?.length, 'after an error the agent calls again');
  });

  void test('apiKeys: any other key is refused with a 401 that echoes it masked, as OpenAI does', async () => {
    const good = 'sk-josh-good-0123456789abcdef';
    const badKey = 'sk-josh-bad-fedcba9876543210wxyz';
    const guarded = await createSimModelServer({ port: 0, dataDir: DATA, apiKeys: [good] });
    try {
      const ok = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: good, maxRetries: 0 });
      const r = await ok.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(r.object, 'chat.completion');
      const bad = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: badKey, maxRetries: 0 });
      await assert.rejects(
        bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => {
          assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
          assert.equal(e.status, 401);
          assert.equal(e.code, 'invalid_api_key');
          // Its first characters and last four, the rest masked, never the whole key.
          assert.match(e.message, /Incorrect API key provided: sk-jos\*+wxyz\./);
          assert.ok(!e.message.includes(badKey));
          return true;
        },
      );
      const none = await fetch(`${guarded.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(none.status, 401);
      assert.match(
        ((await none.json()) as { error: { message: string } }).error.message,
        /didn't provide an API key/,
      );
      assert.equal(guarded.stats().completions, 1, 'a refused request gets no completion');
    } finally {
      await guarded.close();
    }
  });
});
