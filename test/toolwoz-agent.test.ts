// Agent strategies: canonical history → chat-completions request, completion message → one action.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { buildAgentRequest, parseAgentReply, PARALLEL_CALL_REJECTED, type AgentAction } from '../src/agent';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import type { ToolSchema } from '../src/env/types';
import type { Message } from '../src/shared/messages';

const env = getEnvironment('toolwoz', resolveDataDir(undefined, path.resolve(__dirname, '..')));
const TOOLS: ToolSchema[] = env.tools();

const fc = (message: unknown) => parseAgentReply('function-calling', message);
const react = (content: string | null, callId?: string) =>
  parseAgentReply('react', { role: 'assistant', content }, callId ? { callId } : {});

function expectKind<K extends AgentAction['kind']>(
  a: AgentAction,
  kind: K,
): Extract<AgentAction, { kind: K }> {
  assert.equal(a.kind, kind, JSON.stringify(a));
  return a as Extract<AgentAction, { kind: K }>;
}

const toolCall = (id: string, name: string, args: string) => ({
  id,
  type: 'function',
  function: { name, arguments: args },
});

void describe('function calling: requests', () => {
  void test('system prompt first, tools, one call at a time; calls and results in OpenAI form', () => {
    const history: Message[] = [
      { role: 'user', content: 'a cheap hotel please' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'c1', name: 'search_hotel', arguments: { pricerange: 'cheap' } }],
      },
      { role: 'tool', toolCallId: 'c1', name: 'search_hotel', content: '[]' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'c2', name: 'search_hotel', arguments: '{"area": ' }],
      },
      { role: 'tool', toolCallId: 'c2', name: 'search_hotel', content: 'ERROR: ...' },
      { role: 'assistant', content: 'Nothing found.' },
    ];
    const req = buildAgentRequest('function-calling', 'SYS', TOOLS, history);
    assert.equal(req.parallel_tool_calls, false);
    assert.equal(req.tools, TOOLS);
    assert.deepEqual(req.messages, [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'a cheap hotel please' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [toolCall('c1', 'search_hotel', '{"pricerange":"cheap"}')],
      },
      { role: 'tool', tool_call_id: 'c1', content: '[]' },
      { role: 'assistant', content: null, tool_calls: [toolCall('c2', 'search_hotel', '{"area": ')] },
      { role: 'tool', tool_call_id: 'c2', content: 'ERROR: ...' },
      { role: 'assistant', content: 'Nothing found.' },
    ]);
  });
});

void describe('function calling: replies', () => {
  void test('text only: say', () => {
    const a = expectKind(fc({ role: 'assistant', content: 'Which area?' }), 'say');
    assert.equal(a.text, 'Which area?');
    assert.deepEqual(a.message, { role: 'assistant', content: 'Which area?' });
  });

  void test('one tool call: its parsed arguments, the message keeping any text', () => {
    const a = expectKind(
      fc({ content: 'Let me look.', tool_calls: [toolCall('call_9', 'search_hotel', '{"area":"north"}')] }),
      'tool',
    );
    assert.deepEqual(a.call, { id: 'call_9', name: 'search_hotel', arguments: { area: 'north' } });
    assert.deepEqual(a.message, { role: 'assistant', content: 'Let me look.', toolCalls: [a.call] });
    assert.deepEqual(a.extra, []);
  });

  void test('arguments that are not a JSON object stay raw, and the environment answers with an error result', () => {
    for (const raw of ['{"area": "north"', '["north"]', '"north"']) {
      const a = expectKind(fc({ content: null, tool_calls: [toolCall('c', 'search_hotel', raw)] }), 'tool');
      assert.equal(a.call.arguments, raw);
      const result = env.executeCall(env.getTask('MUL0003.json'), a.call.name, a.call.arguments, []);
      assert.equal(result.call.error, true);
      assert.match(result.content, /^ERROR: .*JSON object/);
    }
    const empty = expectKind(
      fc({ content: null, tool_calls: [toolCall('c', 'book_attraction', '')] }),
      'tool',
    );
    assert.deepEqual(empty.call.arguments, {}, 'no arguments at all is an empty object');
  });

  void test('parallel calls: the first runs, the others get an error tool result each, in order', () => {
    const a = expectKind(
      fc({
        content: null,
        tool_calls: [
          toolCall('a', 'search_hotel', '{"area":"north"}'),
          toolCall('b', 'search_train', '{}'),
          toolCall('c', 'search_restaurant', '{}'),
        ],
      }),
      'tool',
    );
    assert.equal(a.call.id, 'a');
    assert.equal(
      (a.message as { toolCalls: unknown[] }).toolCalls.length,
      3,
      'every call stays on the message',
    );
    assert.deepEqual(a.extra, [
      { role: 'tool', toolCallId: 'b', name: 'search_train', content: PARALLEL_CALL_REJECTED },
      { role: 'tool', toolCallId: 'c', name: 'search_restaurant', content: PARALLEL_CALL_REJECTED },
    ]);
  });

  void test('a call without an id gets a deterministic one (or the caller-supplied one)', () => {
    const reply = { content: null, tool_calls: [{ function: { name: 'search_hotel', arguments: '{}' } }] };
    const first = expectKind(fc(reply), 'tool').call.id;
    assert.equal(expectKind(fc(reply), 'tool').call.id, first);
    assert.equal(
      expectKind(parseAgentReply('function-calling', reply, { callId: 'mine' }), 'tool').call.id,
      'mine',
    );
  });

  void test('an empty or unreadable reply is invalid, with FORMAT ERROR feedback', () => {
    for (const reply of [{ content: '' }, { content: null }, { content: 'x', tool_calls: 'nope' }, null]) {
      const a = expectKind(fc(reply), 'invalid');
      assert.equal(a.message.role, 'assistant');
      assert.equal(a.feedback.length, 1);
      assert.equal(a.feedback[0].role, 'user');
      assert.match(a.feedback[0].content as string, /^FORMAT ERROR:/);
    }
  });
});

void describe('react: requests', () => {
  void test('no tools field; results as APIRESULT user messages; the model text kept; other calls spelled out', () => {
    const history: Message[] = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: 'THOUGHT: search.\nAPICALL: {"name": "search_hotel", "parameters": {"area": "north"}}',
        toolCalls: [{ id: 'r1', name: 'search_hotel', arguments: { area: 'north' } }],
      },
      { role: 'tool', toolCallId: 'r1', name: 'search_hotel', content: '[{"name":"x"}]' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'f1', name: 'book_train', arguments: { people: '2' } }],
      },
      { role: 'tool', toolCallId: 'f1', name: 'book_train', content: '{"success":false,"return":{}}' },
    ];
    const req = buildAgentRequest('react', 'SYS', TOOLS, history);
    assert.equal(req.tools, undefined);
    assert.equal(req.parallel_tool_calls, undefined);
    assert.deepEqual(req.messages, [
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: history[1].content },
      { role: 'user', content: 'APIRESULT: [{"name":"x"}]' },
      { role: 'assistant', content: 'APICALL: {"name": "book_train", "parameters": {"people":"2"}}' },
      { role: 'user', content: 'APIRESULT: {"success":false,"return":{}}' },
    ]);
  });
});

void describe('react: replies', () => {
  void test('THOUGHT then APICALL: a tool call; the assistant message keeps the whole text', () => {
    const text =
      'THOUGHT: I should search.\nAPICALL: {"name": "search_hotel", "parameters": {"area": "north", "stars": "4"}}';
    const a = expectKind(react(text, 'r7'), 'tool');
    assert.deepEqual(a.call, { id: 'r7', name: 'search_hotel', arguments: { area: 'north', stars: '4' } });
    assert.deepEqual(a.message, { role: 'assistant', content: text, toolCalls: [a.call] });
  });

  void test('THOUGHT then SAY: the user hears only the SAY text', () => {
    const a = expectKind(react('THOUGHT: ask.\nSAY: Which area would you like?'), 'say');
    assert.equal(a.text, 'Which area would you like?');
    assert.equal(a.message.content, 'THOUGHT: ask.\nSAY: Which area would you like?');
  });

  void test("upstream's spelling: PLAN / SPEAK / APICALL without colons, <COMMAND_END> separators", () => {
    const call = expectKind(
      react(
        'PLAN look it up <COMMAND_END> APICALL {"name": "search_train", "parameters": {"day": "monday"}} <COMMAND_END>',
      ),
      'tool',
    );
    assert.deepEqual(call.call.arguments, { day: 'monday' });
    assert.equal(
      expectKind(react('PLAN greet <COMMAND_END> SPEAK Hello there! <COMMAND_END>'), 'say').text,
      'Hello there!',
    );
  });

  void test('markdown emphasis around commands, multi-line JSON and a hallucinated result after the call', () => {
    assert.equal(
      expectKind(react('**THOUGHT:** ask\n**SAY:** How many people?'), 'say').text,
      'How many people?',
    );
    const text =
      'THOUGHT: x\nAPICALL: {\n  "name": "book_hotel",\n  "parameters": {"name": "a {b} c"}\n}\nAPIRESULT: {"success": true}';
    assert.deepEqual(expectKind(react(text), 'tool').call.arguments, { name: 'a {b} c' });
  });

  void test('the first acting command wins', () => {
    const a = expectKind(
      react('THOUGHT: x\nAPICALL: {"name": "search_hotel", "parameters": {}}\nSAY: one moment'),
      'tool',
    );
    assert.equal(a.call.name, 'search_hotel');
  });

  void test('parameters missing: {}; parameters not an object: raw text for the environment to reject', () => {
    assert.deepEqual(expectKind(react('APICALL: {"name": "book_attraction"}'), 'tool').call.arguments, {});
    assert.equal(
      expectKind(react('APICALL: {"name": "search_hotel", "parameters": ["north"]}'), 'tool').call.arguments,
      '["north"]',
    );
  });

  void test('unparseable replies are invalid: the text kept, a FORMAT ERROR user message added', () => {
    for (const text of [
      'I think we should look for hotels.',
      'THOUGHT: only thinking',
      'THOUGHT: x\nAPICALL: search_hotel(area=north)',
      'APICALL: {"name": "search_hotel", "parameters": {"area": }}',
      'APICALL: {"parameters": {}}',
      'THOUGHT: x\nSAY:   ',
      '',
    ]) {
      const a = expectKind(react(text), 'invalid');
      assert.deepEqual(a.message, { role: 'assistant', content: text });
      assert.equal(a.feedback.length, 1);
      assert.equal(a.feedback[0].role, 'user');
      assert.match(a.feedback[0].content as string, /^FORMAT ERROR: .*THOUGHT:.*APICALL:.*SAY:/);
    }
    assert.equal(expectKind(parseAgentReply('react', null), 'invalid').message.content, '');
  });

  void test('react ids are deterministic per text unless the caller supplies one', () => {
    const text = 'APICALL: {"name": "search_hotel", "parameters": {}}';
    assert.equal(expectKind(react(text), 'tool').call.id, expectKind(react(text), 'tool').call.id);
    assert.match(expectKind(react(text), 'tool').call.id, /^react_[0-9a-f]{8}$/);
  });
});

void test('both strategies produce the same canonical ToolCall record for the same call', () => {
  const viaFc = expectKind(
    parseAgentReply('function-calling', {
      content: null,
      tool_calls: [toolCall('x', 'book_train', '{"people": "2", "trainID": "TR1"}')],
    }),
    'tool',
  ).call;
  const viaReact = expectKind(
    react(
      'THOUGHT: book.\nAPICALL: {"name": "book_train", "parameters": {"people": "2", "trainID": "TR1"}}',
      'x',
    ),
    'tool',
  ).call;
  assert.deepEqual(viaReact, viaFc);
});
