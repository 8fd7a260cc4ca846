// Each export format against its own rules (spec 3), on hand-made JOSH results.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { type ExportFormat, type ExportOptions, exportRun, formatTrainingData } from '../src/export';
import {
  conversationFile,
  fakeEnvironment,
  RAW_ARGUMENTS,
  readJsonl,
  TOOLS,
  writeRun,
} from './fixtures/exportResults';

type Rec = Record<string, unknown>;
type Msg = Record<string, unknown> & { role: string };

const SYSTEM = 'You are the booking assistant (function-calling).';

function run(format: ExportFormat, opts: Partial<ExportOptions> = {}) {
  const runDir = writeRun();
  const summary = exportRun(runDir, format, { environment: fakeEnvironment, ...opts });
  return { summary, records: readJsonl(summary.out), runDir };
}

/** OpenAI wire rules: string arguments, every tool message answers an earlier call id. */
function assertOpenAiMessages(messages: Msg[]): void {
  const ids = new Set<string>();
  for (const m of messages) {
    if (m.role === 'assistant' && m.tool_calls) {
      for (const c of m.tool_calls as { id: string; type: string; function: { arguments: unknown } }[]) {
        assert.equal(c.type, 'function');
        assert.equal(typeof c.function.arguments, 'string');
        ids.add(c.id);
      }
    }
    if (m.role === 'tool') {
      assert.equal(typeof m.tool_call_id, 'string');
      assert.ok(
        ids.has(m.tool_call_id as string),
        `tool_call_id ${String(m.tool_call_id)} has no prior call`,
      );
      assert.equal('name' in m, false);
    }
  }
}

/** TRL rules: arguments are objects, every message has a string content. */
function assertTrlMessages(messages: Msg[]): void {
  for (const m of messages) {
    assert.equal(typeof m.content, 'string', `${m.role} message without string content`);
    for (const c of (m.tool_calls ?? []) as { function: { arguments: unknown } }[]) {
      assert.equal(typeof c.function.arguments, 'object');
      assert.ok(c.function.arguments !== null && !Array.isArray(c.function.arguments));
    }
  }
}

const firstUser = (messages: Msg[]) => messages.find((m) => m.role === 'user')?.content;

void describe('openai-sft', () => {
  const { summary, records } = run('openai-sft');

  void test('keeps successful, error-free golden paths only', () => {
    // MUL0001, MUL0004, MUL0005 (raw arguments stay a string in OpenAI format).
    assert.equal(records.length, 3);
    assert.equal(summary.examples, 3);
    assert.deepEqual(summary.conversations, { read: 5, used: 3 });
    assert.deepEqual(summary.droppedConversations, {
      'error marker on the golden path': 1,
      'not successful (reward < 1)': 1,
    });
  });

  void test('record shape: messages, tools, parallel_tool_calls false; system first', () => {
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['messages', 'tools', 'parallel_tool_calls']);
      assert.deepEqual(r.tools, TOOLS);
      assert.equal(r.parallel_tool_calls, false);
      const messages = r.messages as Msg[];
      assert.deepEqual(messages[0], { role: 'system', content: SYSTEM });
      assert.equal(messages[messages.length - 1].role, 'assistant');
      assertOpenAiMessages(messages);
    }
  });

  void test('arguments are JSON strings; an unparseable one is passed on verbatim', () => {
    const calls = records.flatMap((r) =>
      (r.messages as Msg[]).flatMap((m) => (m.tool_calls ?? []) as { function: { arguments: string } }[]),
    );
    const args = calls.map((c) => c.function.arguments);
    assert.ok(args.includes(RAW_ARGUMENTS));
    assert.deepEqual(JSON.parse(args[0]), { food: 'cheap', area: 'centre' });
    // A pure tool-call turn has no content key at all.
    const toolTurn = (records[0].messages as Msg[])[2];
    assert.equal('content' in toolTurn, false);
  });

  void test('--no-system leaves the system message out', () => {
    const { records: bare } = run('openai-sft', { system: false });
    for (const r of bare) assert.equal((r.messages as Msg[])[0].role, 'user');
  });
});

void describe('trl-sft', () => {
  const { summary, records } = run('trl-sft');

  void test('arguments are objects; a golden path with unparseable arguments is dropped', () => {
    assert.equal(records.length, 2);
    assert.equal(summary.droppedConversations['unparseable tool-call arguments'], 1);
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['messages', 'tools']);
      assert.deepEqual(r.tools, TOOLS);
      assertTrlMessages(r.messages as Msg[]);
    }
    const tool = (records[0].messages as Msg[]).find((m) => m.role === 'tool');
    assert.deepEqual(tool, {
      role: 'tool',
      tool_call_id: 'call_g1',
      name: 'search_restaurant',
      content: '[{"name": "dojo noodle bar"}]',
    });
  });
});

void describe('sharegpt', () => {
  const { records } = run('sharegpt');

  void test('LLaMA-Factory conventions: roles alternate, tools is a JSON string', () => {
    assert.equal(records.length, 2);
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['conversations', 'tools']);
      assert.deepEqual(
        JSON.parse(r.tools as string),
        TOOLS.map((t) => t.function),
      );
      const turns = r.conversations as { from: string; value: string }[];
      assert.equal(turns[0].from, 'system');
      const rest = turns.slice(1);
      rest.forEach((t, i) => {
        const expected = i % 2 === 0 ? ['human', 'observation'] : ['gpt', 'function_call'];
        assert.ok(expected.includes(t.from), `turn ${i}: ${t.from}`);
      });
      assert.equal(rest.length % 2, 0);
    }
    const fc = (records[0].conversations as { from: string; value: string }[]).find(
      (t) => t.from === 'function_call',
    );
    assert.deepEqual(JSON.parse(fc!.value), {
      name: 'search_restaurant',
      arguments: { food: 'cheap', area: 'centre' },
    });
  });
});

void describe('trl-kto', () => {
  const { summary, records } = run('trl-kto');
  const positives = records.filter((r) => r.label === true);
  const negatives = records.filter((r) => r.label === false);

  void test('both labels present; counts as juxtaposed in the fixture', () => {
    // MUL0001: 4 positives, 4 negatives. MUL0004: 2 positives (A1, A2); its failed sibling's
    // call is dropped (unparseable arguments) and its text has no positive at its prompt.
    assert.equal(positives.length, 4 + 2);
    assert.equal(negatives.length, 4);
    assert.deepEqual(summary.labels, { desirable: 6, undesirable: 4 });
    assert.deepEqual(summary.droppedExamples, {
      'completion containing an error marker': 1,
      'negative identical to the golden completion': 1,
      'negative with no golden completion at its prompt': 2,
      'unparseable tool-call arguments': 1,
    });
    assert.equal(summary.droppedConversations['not successful (reward < 1)'], 1);
    assert.equal(summary.droppedConversations['error marker on the golden path'], 1);
  });

  void test('shape: prompt list, one assistant completion, label, tools', () => {
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['prompt', 'completion', 'label', 'tools']);
      const completion = r.completion as Msg[];
      assert.equal(completion.length, 1);
      assert.equal(completion[0].role, 'assistant');
      assert.deepEqual((r.prompt as Msg[])[0], { role: 'system', content: SYSTEM });
      assertTrlMessages([...(r.prompt as Msg[]), ...completion]);
    }
  });

  void test('every negative shares its prompt with a positive, and differs from it', () => {
    for (const n of negatives) {
      const same = positives.filter((p) => JSON.stringify(p.prompt) === JSON.stringify(n.prompt));
      assert.ok(same.length > 0, `negative without a positive: ${JSON.stringify(n.completion)}`);
      for (const p of same) assert.notDeepEqual(p.completion, n.completion);
    }
  });

  void test('a failed branch that repeated the golden call is juxtaposed at the next message', () => {
    const sorry = negatives.find((n) => (n.completion as Msg[])[0].content === 'Sorry, I found nothing.');
    assert.ok(sorry);
    // The prompt is the golden one (its ids), not the failed branch's copy.
    const prompt = sorry.prompt as Msg[];
    assert.equal(prompt[prompt.length - 1].tool_call_id, 'call_g1');
  });

  void test('partial-credit conversations are in only when asked', () => {
    const { summary: partial } = run('trl-kto', { includePartial: true });
    assert.deepEqual(partial.labels, { desirable: 8, undesirable: 5 });
    assert.equal(partial.droppedConversations['not successful (reward < 1)'], undefined);
  });
});

void describe('trl-dpo', () => {
  const { summary, records } = run('trl-dpo');

  void test('chosen differs from rejected at an identical prompt', () => {
    assert.equal(records.length, 4);
    assert.equal(summary.conversations.used, 1);
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['prompt', 'chosen', 'rejected', 'tools']);
      const chosen = r.chosen as Msg[];
      const rejected = r.rejected as Msg[];
      assert.equal(chosen.length, 1);
      assert.equal(rejected.length, 1);
      assert.equal(chosen[0].role, 'assistant');
      assert.equal(rejected[0].role, 'assistant');
      assert.notDeepEqual(chosen, rejected);
      assertTrlMessages([...(r.prompt as Msg[]), ...chosen, ...rejected]);
    }
    // Pairs come in conversation order: the three at the opening, then the one after U2.
    assert.deepEqual(
      records.map((r) => (r.prompt as Msg[]).length),
      [2, 2, 4, 6],
    );
  });
});

void describe('openai-dpo', () => {
  const { records } = run('openai-dpo');

  void test('input / preferred_output / non_preferred_output, OpenAI wire messages', () => {
    // MUL0001's 4 pairs + MUL0004's pair whose rejected call keeps its raw arguments.
    assert.equal(records.length, 5);
    for (const r of records) {
      assert.deepEqual(Object.keys(r), ['input', 'preferred_output', 'non_preferred_output']);
      const input = r.input as { messages: Msg[]; tools: unknown; parallel_tool_calls: boolean };
      assert.deepEqual(Object.keys(input), ['messages', 'tools', 'parallel_tool_calls']);
      assert.deepEqual(input.tools, TOOLS);
      const preferred = r.preferred_output as Msg[];
      const nonPreferred = r.non_preferred_output as Msg[];
      assert.notDeepEqual(preferred, nonPreferred);
      assertOpenAiMessages([...input.messages, ...preferred]);
      assertOpenAiMessages([...input.messages, ...nonPreferred]);
    }
    const rejectedCalls = records.flatMap((r) =>
      (r.non_preferred_output as Msg[]).flatMap(
        (m) => (m.tool_calls ?? []) as { function: { arguments: string } }[],
      ),
    );
    assert.ok(rejectedCalls.some((c) => c.function.arguments === RAW_ARGUMENTS));
  });
});

void describe('files', () => {
  void test('same input, byte-identical output; default path under exports/', () => {
    const runDir = writeRun();
    const opts = { environment: fakeEnvironment };
    const first = exportRun(runDir, 'trl-kto', opts);
    assert.equal(first.out, path.join(runDir, 'exports', 'trl-kto.jsonl'));
    const bytes = fs.readFileSync(first.out);
    const again = exportRun(runDir, 'trl-kto', { ...opts, out: path.join(runDir, 'again.jsonl') });
    assert.ok(bytes.equals(fs.readFileSync(again.out)));
    assert.ok(bytes.toString('utf8').endsWith('\n'));
    assert.deepEqual(
      fs.readdirSync(path.join(runDir, 'exports')),
      ['trl-kto.jsonl'],
      'no temp file left behind',
    );
  });

  void test('sorted by task id then trial, whatever the directory order', () => {
    const runDir = writeRun();
    const dir = path.join(runDir, 'conversations');
    const base = JSON.parse(fs.readFileSync(path.join(dir, conversationFile('MUL0001.json')), 'utf8')) as Rec;
    for (const trial of [2, 1]) {
      const firstMessage = { role: 'user', content: `trial ${trial}` };
      const golden = base.goldenPath as Msg[];
      const c = { ...base, trial, goldenPath: [firstMessage, ...golden.slice(1)] };
      fs.writeFileSync(path.join(dir, conversationFile('MUL0001.json', trial)), JSON.stringify(c));
    }
    const { out } = exportRun(runDir, 'openai-sft', { environment: fakeEnvironment });
    const users = readJsonl(out).map((r) => firstUser(r.messages as Msg[]));
    assert.deepEqual(users.slice(0, 3), ['I want a cheap place to eat in the centre.', 'trial 1', 'trial 2']);
  });
});

void describe("the demo's training-data table", () => {
  void test('every format with its examples and conversations used; why the rest were left out, grouped', () => {
    const runDir = writeRun();
    const formats: ExportFormat[] = ['openai-sft', 'trl-kto', 'trl-dpo'];
    const summaries = formats.map((f) => exportRun(runDir, f, { environment: fakeEnvironment }));
    const text = formatTrainingData(summaries);
    const lines = text.split('\n');
    assert.equal(lines[0], 'Training data:');
    for (const s of summaries) {
      const row = lines.find((l) => l.trimStart().startsWith(`${s.format} `));
      assert.ok(row, `${s.format} row in:\n${text}`);
      assert.match(
        row,
        new RegExp(
          `\\s${s.examples} examples\\s+from\\s+${s.conversations.used}/${s.conversations.read} conversations\\s+${s.out}$`,
        ),
      );
    }
    // The fixture leaves conversations out of every format: each is named on exactly one reasons
    // line, with its reasons.
    const reasonLines = lines.slice(
      lines.indexOf(lines.find((l) => l.startsWith('Conversations left out'))!) + 1,
    );
    for (const s of summaries) {
      const mine = reasonLines.filter((l) =>
        l
          .split(':')[0]
          .split(', ')
          .map((f) => f.trim())
          .includes(s.format),
      );
      assert.equal(mine.length, 1, `${s.format} in:\n${text}`);
      for (const [reason, n] of Object.entries(s.droppedConversations))
        assert.ok(mine[0].includes(`${n} ${reason}`));
    }
  });
});
