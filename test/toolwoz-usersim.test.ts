// ToolWOZ user simulators (goal, guide, script), the agent system prompts, and prompts files
// (ours and upstream's prompts.yaml, which must load as one).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { DEFAULT_PROMPTS, REACT } from '../src/env/toolwoz/prompts';
import { loadPromptsFile } from '../src/env/toolwoz/prompts-file';
import type { Message } from '../src/shared/messages';
import { END_MARKER } from '../src/shared/messages';
import { UserError } from '../src/util/errors';

const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..'));
const UPSTREAM_PROMPTS = path.join(DATA, 'toolwoz', 'prompts', 'prompts.yaml');
const env = getEnvironment('toolwoz', DATA);
const task = env.getTask('MUL0003.json');
const dialogue = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')).MUL0003 as {
  log: { text: string }[];
};
const callerTurns = dialogue.log.filter((_, i) => i % 2 === 0).map((t) => t.text);

const conversation: Message[] = [
  { role: 'user', content: 'Hi, I need a cheap guesthouse.' },
  { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'search_hotel', arguments: {} }] },
  { role: 'tool', toolCallId: 'c1', name: 'search_hotel', content: '[]' },
  { role: 'assistant', content: 'Alexander B&B fits. Shall I book it?' },
];

function tempFile(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'josh-prompts-')), name);
  fs.writeFileSync(file, text);
  return file;
}

void describe('goal simulator', () => {
  void test('opening: the goal system prompt with one "- " line per goal sentence, then the opening instruction', () => {
    const plan = env.userTurn(task, 'goal', []);
    assert.equal(plan.kind, 'llm');
    if (plan.kind !== 'llm') return;
    assert.equal(plan.messages.length, 2);
    const [system, opening] = plan.messages;
    assert.equal(system.role, 'system');
    assert.ok(system.content.startsWith(DEFAULT_PROMPTS.userGoalSystem.split('{goals}')[0]));
    for (const sentence of task.goalMessage)
      assert.ok(system.content.includes(`\n- ${sentence}\n`), sentence);
    assert.doesNotMatch(system.content, /<span|\{goals\}/);
    assert.deepEqual(opening, { role: 'user', content: DEFAULT_PROMPTS.userGoalOpening });
  });

  void test('later turns: roles flipped, tool traffic left out, then the turn instruction', () => {
    const plan = env.userTurn(task, 'goal', conversation);
    assert.equal(plan.kind, 'llm');
    if (plan.kind !== 'llm') return;
    assert.deepEqual(plan.messages.slice(1), [
      { role: 'assistant', content: 'Hi, I need a cheap guesthouse.' },
      { role: 'user', content: 'Alexander B&B fits. Shall I book it?' },
      { role: 'user', content: DEFAULT_PROMPTS.userGoalTurn },
    ]);
  });
});

void describe('guide simulator', () => {
  void test('one message: goals, the original transcript and the call so far as Caller:/Assistant: lines', () => {
    const plan = env.userTurn(task, 'guide', conversation);
    assert.equal(plan.kind, 'llm');
    if (plan.kind !== 'llm') return;
    assert.equal(plan.messages.length, 1);
    const text = plan.messages[0].content;
    assert.ok(text.includes(`- ${task.goalMessage[0]}`));
    assert.ok(text.includes(`Caller: ${dialogue.log[0].text}\nAssistant: ${dialogue.log[1].text}\n`));
    assert.ok(
      text.includes(
        'Caller: Hi, I need a cheap guesthouse.\nAssistant: Alexander B&B fits. Shall I book it?',
      ),
    );
    assert.doesNotMatch(text, /\{(goals|transcript|conversation)\}/);
  });
});

void describe('script simulator', () => {
  void test('replays the MultiWOZ caller turns in order, then ends with the end marker, without an LLM', () => {
    const history: Message[] = [];
    for (const expected of callerTurns) {
      const plan = env.userTurn(task, 'script', history);
      assert.deepEqual(plan, { kind: 'fixed', text: expected });
      history.push({ role: 'user', content: expected }, { role: 'assistant', content: 'ok' });
    }
    assert.deepEqual(env.userTurn(task, 'script', history), { kind: 'fixed', text: END_MARKER });
  });
});

void describe('agent system prompts', () => {
  void test('function-calling uses its prompt as is; react lists every tool in place of {tools}', () => {
    assert.equal(env.agentSystemPrompt('function-calling'), DEFAULT_PROMPTS.agentFunctionCalling);
    const react = env.agentSystemPrompt('react');
    assert.doesNotMatch(react, /\{tools\}/);
    for (const t of env.tools()) assert.match(react, new RegExp(`^- ${t.function.name}:`, 'm'));
    assert.ok(react.includes(REACT.apiCall) && react.includes(REACT.say) && react.includes(REACT.apiResult));
  });
});

void describe('prompts files', () => {
  void test('upstream prompts.yaml loads: its keys map onto ours and {example_filled} becomes {tools}', () => {
    const prompts = loadPromptsFile(UPSTREAM_PROMPTS);
    assert.deepEqual(Object.keys(prompts).sort(), [
      'agentReact',
      'userGoalOpening',
      'userGoalSystem',
      'userGoalTurn',
    ]);
    assert.match(prompts.userGoalSystem!, /\{goals\}/);
    assert.match(prompts.agentReact!, /\{tools\}/);
    assert.doesNotMatch(prompts.agentReact!, /\{example_filled\}/);
  });

  void test('an environment built with it fills the goals and tools into upstream text', () => {
    const upstream = getEnvironment('toolwoz', DATA, { promptsFile: UPSTREAM_PROMPTS });
    assert.notEqual(upstream, env);
    const plan = upstream.userTurn(task, 'goal', []);
    assert.equal(plan.kind, 'llm');
    if (plan.kind !== 'llm') return;
    assert.ok(plan.messages[0].content.includes(`- ${task.goalMessage[1]}`));
    assert.ok(
      plan.messages[1].content.includes(`- ${task.goalMessage[1]}`),
      'its opening prompt holds the goals too',
    );
    assert.match(upstream.agentSystemPrompt('react'), /^- search_train:/m);
    assert.equal(
      upstream.agentSystemPrompt('function-calling'),
      DEFAULT_PROMPTS.agentFunctionCalling,
      'not overridden',
    );
  });

  void test('our own keys, in JSON', () => {
    const file = tempFile(
      'p.json',
      JSON.stringify({ userGuide: 'Coach. {goals} {transcript} {conversation}' }),
    );
    assert.deepEqual(loadPromptsFile(file), { userGuide: 'Coach. {goals} {transcript} {conversation}' });
  });

  void test('unknown keys, non-text values and unreadable files are user errors naming the file', () => {
    const cases: [string, RegExp][] = [
      [tempFile('p.yaml', 'userGoalSystm: hi\n'), /p\.yaml: unknown prompt "userGoalSystm"/],
      [
        tempFile('p.yaml', 'userGoalSystem:\n  - a list\n'),
        /p\.yaml: expected a map of prompt name to text \(at userGoalSystem/,
      ],
      [tempFile('p.json', '{"userGoalSystem": '), /p\.json: the prompts file is not valid JSON/],
      [path.join(os.tmpdir(), 'josh-no-such-prompts.yaml'), /cannot read the prompts file \(ENOENT\)/],
    ];
    for (const [file, pattern] of cases) {
      assert.throws(
        () => loadPromptsFile(file),
        (e: Error) => e instanceof UserError && pattern.test(e.message),
        file,
      );
    }
  });
});
