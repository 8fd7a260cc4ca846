// The message conversions and predicates every export format shares.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  completionKey,
  hasErrorMarker,
  isToolResult,
  messagesKey,
  toOpenAi,
  toShareGpt,
  toTrl,
} from '../src/export/messages';
import type { Message } from '../src/shared/messages';

const twoCalls: Message[] = [
  { role: 'user', content: 'Find a hotel and a train.' },
  {
    role: 'assistant',
    content: 'Checking both.',
    toolCalls: [
      { id: 'a', name: 'search_hotel', arguments: { area: 'north' } },
      { id: 'b', name: 'search_train', arguments: { day: 'friday' } },
    ],
  },
  { role: 'tool', toolCallId: 'a', name: 'search_hotel', content: '[1]' },
  { role: 'tool', toolCallId: 'b', name: 'search_train', content: '[2]' },
  { role: 'assistant', content: 'Found both.' },
];

void test('ShareGPT: one function_call per turn (a list for several calls), one observation', () => {
  const r = toShareGpt(twoCalls);
  assert.ok(r.ok);
  assert.deepEqual(
    r.messages.map((t) => t.from),
    ['human', 'function_call', 'observation', 'gpt'],
  );
  assert.deepEqual(JSON.parse(r.messages[1].value), [
    { name: 'search_hotel', arguments: { area: 'north' } },
    { name: 'search_train', arguments: { day: 'friday' } },
  ]);
  assert.equal(r.messages[2].value, '[1]\n[2]');
});

void test('OpenAI keeps text beside tool calls; TRL keeps it too', () => {
  const openai = toOpenAi(twoCalls);
  const trl = toTrl(twoCalls);
  assert.ok(openai.ok && trl.ok);
  assert.equal((openai.messages[1] as { content?: string }).content, 'Checking both.');
  assert.equal((trl.messages[1] as { content: string }).content, 'Checking both.');
});

void test('a tool result that answers no earlier call makes every format refuse', () => {
  const orphan: Message[] = [
    { role: 'user', content: 'hi' },
    { role: 'tool', toolCallId: 'zzz', name: 'search_hotel', content: '[]' },
    { role: 'assistant', content: 'ok' },
  ];
  for (const convert of [toOpenAi, toTrl, toShareGpt]) {
    const r = convert(orphan);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.problem, 'tool result without a matching call');
  }
});

void test('identity ignores tool-call ids and argument key order, not content', () => {
  const a: Message = {
    role: 'assistant',
    content: null,
    toolCalls: [{ id: 'x', name: 'f', arguments: { p: '1', q: '2' } }],
  };
  const b: Message = {
    role: 'assistant',
    content: null,
    toolCalls: [{ id: 'y', name: 'f', arguments: { q: '2', p: '1' } }],
  };
  const c: Message = {
    role: 'assistant',
    content: null,
    toolCalls: [{ id: 'x', name: 'f', arguments: { p: '1', q: '3' } }],
  };
  assert.equal(completionKey(a), completionKey(b));
  assert.notEqual(completionKey(a), completionKey(c));
  const ra: Message = { role: 'tool', toolCallId: 'x', name: 'f', content: '[]' };
  const rb: Message = { role: 'tool', toolCallId: 'y', name: 'f', content: '[]' };
  assert.equal(messagesKey([a, ra]), messagesKey([b, rb]));
});

void test('error markers are found in any message, case as upstream wrote them', () => {
  assert.ok(hasErrorMarker({ role: 'tool', toolCallId: 'x', name: 'f', content: 'Error: bad parameter' }));
  assert.ok(hasErrorMarker({ role: 'assistant', content: 'BOOKING FAILURE' }));
  assert.ok(hasErrorMarker({ role: 'user', content: 'ERROR: nope' }));
  assert.equal(hasErrorMarker({ role: 'assistant', content: 'No errors here, error: lower case' }), false);
});

void test('react API results are tool results, not user turns', () => {
  assert.ok(isToolResult({ role: 'user', content: 'APIRESULT: [..]' }));
  assert.ok(isToolResult({ role: 'tool', toolCallId: 'x', name: 'f', content: '' }));
  assert.equal(isToolResult({ role: 'user', content: 'A table for two.' }), false);
});
