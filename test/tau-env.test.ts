// The τ-bench environments (tau-retail, tau-airline, tau2-retail): task loading from both layouts,
// malformed data files, the per-turn reward, prompts and the user simulator.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { tauDataFiles, tauEnvironment, tauNodes } from '../src/env/tau';
import { TAU_LAYOUTS } from '../src/env/tau/layouts';
import { tauPlugins, tauTaskFileName } from '../src/env/tau/plugin';
import { UnknownTaskError, type PriorCall } from '../src/env/types';
import { tauScoring, jsonEqual } from '../src/env/tau/scoring';
import { breakdownOf, TauTaskSet } from '../src/env/tau/tasks';
import { tauUserTurn } from '../src/env/tau/usersim';
import type { CallMade } from '../src/shared/messages';
import { END_MARKER } from '../src/shared/messages';
import { UserError } from '../src/util/errors';
import { TAU_SPLIT_COUNTS } from './helpers/tau';

const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..'));
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-tau-'));

const taskSet = (env: keyof typeof TAU_LAYOUTS, dataDir = DATA) =>
  new TauTaskSet(TAU_LAYOUTS[env], dataDir, () => true);

void describe('τ task loading', () => {
  void test('split sizes and ids: tau-retail 500/20/115, tau-airline 50, tau2-retail 74/40/114', () => {
    for (const [env, split, n] of TAU_SPLIT_COUNTS) {
      const tasks = taskSet(env).listTasks(split);
      assert.equal(tasks.length, n, `${env} ${split}`);
      assert.equal(new Set(tasks.map((t) => t.id)).size, n, 'ids are unique');
      for (const t of tasks) assert.equal(t.env, env);
    }
    assert.deepEqual(
      taskSet('tau-retail')
        .listTasks('train')
        .slice(0, 3)
        .map((t) => t.id),
      ['train-0', 'train-1', 'train-2'],
    );
    assert.equal(taskSet('tau-retail').listTasks('test').at(-1)!.id, 'test-114');
  });

  void test('a v1 task: instruction, user id, gold actions with JSON-valued parameters, outputs', () => {
    const raw = JSON.parse(
      fs.readFileSync(path.join(DATA, 'taubench', 'retail', 'tasks_test.json'), 'utf8'),
    ) as {
      user_id: string;
      instruction: string;
      actions: { name: string; kwargs: Record<string, unknown> }[];
      outputs: string[];
    }[];
    const withOutputs = raw.findIndex((t) => t.outputs.length > 0);
    const set = taskSet('tau-retail');
    const task = set.listTasks('test')[withOutputs];
    assert.equal(task.id, `test-${withOutputs}`);
    assert.equal(task.instruction, raw[withOutputs].instruction);
    assert.equal(task.userId, raw[withOutputs].user_id);
    assert.deepEqual(task.outputs, raw[withOutputs].outputs);
    assert.deepEqual(
      task.goalCalls,
      raw[withOutputs].actions.map((a) => ({ name: a.name, parameters: a.kwargs })),
    );
    // Lists survive as lists (not strings): exchanges carry item id arrays.
    const exchange = set
      .listTasks('train')
      .flatMap((t) => t.goalCalls)
      .find((g) => g.name === 'exchange_delivered_order_items');
    assert.ok(exchange && Array.isArray(exchange.parameters.item_ids));
    assert.equal(set.data('test-115'), undefined);
    assert.equal(set.data('train-01'), undefined);
    assert.equal(set.data('val-0'), undefined);
  });

  void test('a τ² task: ids as in tasks.json, instruction built from the scenario fields, communicate_info as outputs', () => {
    const set = taskSet('tau2-retail');
    const tasks = set.listTasks('base');
    const t2 = tasks.find((t) => t.id === '2')!;
    assert.match(t2.instruction!, /how many tshirt options/);
    assert.match(t2.instruction!, /Yusuf Rossi in zip code 19122/);
    assert.match(t2.instruction!, /do not remember your email/);
    assert.doesNotMatch(t2.instruction!, /^How to behave: \.$/m, 'a "." instruction adds nothing');
    assert.deepEqual(t2.outputs, ['10']);
    assert.equal(t2.userId, 'yusuf_rossi_9620', 'from a gold action argument');
    assert.equal(set.data('2')!.nlAssertions.length, 1);
    const split = JSON.parse(
      fs.readFileSync(path.join(DATA, 'tau2', 'retail', 'split_tasks.json'), 'utf8'),
    ) as Record<string, string[]>;
    assert.deepEqual(
      set.listTasks('test').map((t) => t.id),
      split.test,
    );
  });

  void test('the breakdown key is the tools that change something, or read-only', () => {
    assert.deepEqual(
      breakdownOf([
        { name: 'find_user_id_by_email', parameters: {} },
        { name: 'cancel_pending_order', parameters: {} },
        { name: 'get_order_details', parameters: {} },
        { name: 'cancel_pending_order', parameters: {} },
        { name: 'transfer_to_human_agents', parameters: {} },
      ]),
      ['cancel_pending_order', 'transfer_to_human_agents'],
    );
    assert.deepEqual(breakdownOf([{ name: 'get_user_details', parameters: {} }]), ['read-only']);
  });

  void test('solvable is computed on first read only, once, and serialised with the task', () => {
    let calls = 0;
    const set = new TauTaskSet(TAU_LAYOUTS['tau-airline'], DATA, (d) => (calls++, d.id !== 'test-1'));
    const tasks = set.listTasks('test');
    assert.equal(calls, 0);
    assert.equal(tasks[1].solvable, false);
    assert.equal(tasks[1].solvable, false);
    assert.equal(calls, 1);
    const json = JSON.parse(JSON.stringify(tasks[0])) as Record<string, unknown>;
    assert.equal(json.solvable, true);
    assert.equal(calls, 2);
  });

  void test('an unknown split is a UserError listing the splits', () => {
    assert.throws(
      () => taskSet('tau-airline').listTasks('train'),
      (e: Error) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /tau-airline has no split "train" \(splits: test\)/);
        return true;
      },
    );
  });

  void test('malformed data files: one error naming the file and the field', () => {
    const v1 = (content: string): string => {
      const dir = tempDir();
      fs.mkdirSync(path.join(dir, 'taubench', 'airline'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'taubench', 'airline', 'tasks_test.json'), content);
      return dir;
    };
    const cases: [string, RegExp][] = [
      ['{"not": "a list"}', /tasks_test\.json: \(root\): expected an array/],
      [
        '[{"user_id": "u", "instruction": "i", "actions": [], "outputs": []}, {"user_id": "u", "actions": []}]',
        /tasks_test\.json: \[1\]\.instruction: expected a string \(missing\)/,
      ],
      [
        '[{"user_id": "u", "instruction": "i", "actions": [{"name": "x", "kwargs": [1]}], "outputs": []}]',
        /tasks_test\.json: \[0\]\.actions\[0\]\.kwargs: expected an object/,
      ],
      [
        '[{"user_id": "u", "instruction": "i", "actions": [], "outputs": [3]}]',
        /tasks_test\.json: \[0\]\.outputs\[0\]: expected a string \(got 3\)/,
      ],
      ['[{"user_id": "u", ', /tasks_test\.json: not valid JSON/],
    ];
    for (const [content, pattern] of cases)
      assert.throws(
        () => taskSet('tau-airline', v1(content)).listTasks('test'),
        (e: Error) => {
          assert.ok(e instanceof UserError, String(e));
          assert.match(e.message, pattern);
          assert.equal(e.message.split('\n').length, 1);
          return true;
        },
      );
    assert.throws(
      () => taskSet('tau-airline', tempDir()).listTasks('test'),
      /tasks_test\.json: cannot read \(ENOENT\)/,
    );

    const tau2 = (tasks: unknown, splits: unknown): string => {
      const dir = tempDir();
      fs.mkdirSync(path.join(dir, 'tau2', 'retail'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'tau2', 'retail', 'tasks.json'), JSON.stringify(tasks));
      fs.writeFileSync(path.join(dir, 'tau2', 'retail', 'split_tasks.json'), JSON.stringify(splits));
      return dir;
    };
    const good = {
      id: 'a',
      user_scenario: {
        instructions: { reason_for_call: 'r', known_info: 'k', unknown_info: null, task_instructions: '.' },
      },
      evaluation_criteria: {
        actions: [{ name: 'get_user_details', arguments: { user_id: 'u' } }],
        communicate_info: [],
      },
    };
    assert.equal(
      taskSet('tau2-retail', tau2([good], { train: ['a'], test: [], base: ['a'] })).listTasks('train')[0]
        .instruction,
      'Why you are contacting customer service: r\nWhat you know: k',
    );
    const tau2Cases: [unknown, unknown, RegExp][] = [
      [[good, good], { train: [] }, /tasks\.json: \[1\] \(id a\)\.id: expected a unique, non-empty task id/],
      [
        [{ ...good, evaluation_criteria: { actions: [{ arguments: {} }] } }],
        { train: [] },
        /tasks\.json: \[0\] \(id a\)\.evaluation_criteria\.actions\[0\]\.name: expected a string \(missing\)/,
      ],
      [
        [{ ...good, user_scenario: {} }],
        { train: [] },
        /tasks\.json: \[0\] \(id a\)\.user_scenario\.instructions: expected an object \(missing\)/,
      ],
      [
        [good],
        { train: ['a', 'zz'] },
        /split_tasks\.json: train\[1\]: expected a task id of .*tasks\.json \(got "zz"\)/,
      ],
      [[good], { train: 'a' }, /split_tasks\.json: train: expected an array/],
    ];
    for (const [tasks, splits, pattern] of tau2Cases)
      assert.throws(
        () => taskSet('tau2-retail', tau2(tasks, splits)).listTasks('train'),
        (e: Error) => {
          assert.ok(e instanceof UserError, String(e));
          assert.match(e.message, pattern);
          return true;
        },
      );
  });
});

const made = (name: string, args: Record<string, unknown>): CallMade => ({
  name,
  arguments: args,
  returned: '',
});

void describe('τ per-turn reward', () => {
  void test('JSON equality: key order never matters, list order does, types do', () => {
    assert.ok(jsonEqual({ a: [1, { b: 'x', c: null }], d: 2 }, { d: 2.0, a: [1, { c: null, b: 'x' }] }));
    assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!jsonEqual({ a: '1' }, { a: 1 }));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!jsonEqual({ a: null }, {}));
    assert.ok(!jsonEqual([], {}));
  });

  void test('a call earns a remaining gold action on equal name and arguments; duplicates need two calls', () => {
    const gold = [
      { name: 'get_order_details', parameters: { order_id: '#W1' } },
      {
        name: 'return_delivered_order_items',
        parameters: { order_id: '#W1', item_ids: ['1', '2'], payment_method_id: 'p' },
      },
      { name: 'get_order_details', parameters: { order_id: '#W1' } },
    ];
    const ret = made('return_delivered_order_items', {
      payment_method_id: 'p',
      item_ids: ['1', '2'],
      order_id: '#W1',
    });
    assert.deepEqual(tauScoring.turnReward(gold, [0, 1, 2], [ret]), [1]);
    assert.deepEqual(
      tauScoring.turnReward(
        gold,
        [0, 1, 2],
        [
          made('return_delivered_order_items', {
            order_id: '#W1',
            item_ids: ['2', '1'],
            payment_method_id: 'p',
          }),
        ],
      ),
      [],
    );
    assert.deepEqual(
      tauScoring.turnReward(gold, [0, 2], [made('get_order_details', { order_id: '#W1' })]),
      [0],
    );
    assert.deepEqual(
      tauScoring.turnReward(
        gold,
        [0, 2],
        [made('get_order_details', { order_id: '#W1' }), made('get_order_details', { order_id: '#W1' })],
      ),
      [0, 2],
    );
    assert.deepEqual(tauScoring.turnReward(gold, [2], [made('get_order_details', { order_id: '#W2' })]), []);
    assert.deepEqual(tauScoring.turnReward(gold, [0], [made('get_user_details', { order_id: '#W1' })]), []);
    const conv = tauScoring.conversationReward(gold, [ret, made('get_order_details', { order_id: '#W1' })]);
    assert.deepEqual(conv.satisfied, [true, true, true]);
  });
});

void describe('τ user simulator', () => {
  const task = taskSet('tau-retail').listTasks('train')[0];

  void test('goal: the customer LLM gets the instruction, the stop marker, and the conversation flipped', () => {
    const first = tauUserTurn('tau-retail', 'retail', task, 'goal', []);
    assert.equal(first.kind, 'llm');
    if (first.kind !== 'llm') return;
    assert.equal(first.messages.length, 2);
    assert.equal(first.messages[0].role, 'system');
    assert.ok(first.messages[0].content.includes(task.instruction!.trim()));
    assert.ok(first.messages[0].content.includes(END_MARKER));
    const later = tauUserTurn('tau-retail', 'retail', task, 'goal', [
      { role: 'user', content: 'I want to return things.' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'x', arguments: {} }] },
      { role: 'tool', toolCallId: 'c', name: 'x', content: 'secret' },
      { role: 'assistant', content: 'Your email, please?' },
    ]);
    assert.ok(later.kind === 'llm');
    if (later.kind !== 'llm') return;
    assert.deepEqual(later.messages.slice(1, 3), [
      { role: 'assistant', content: 'I want to return things.' },
      { role: 'user', content: 'Your email, please?' },
    ]);
    assert.equal(later.messages.length, 4);
    assert.ok(
      !later.messages.some((m) => m.content.includes('secret')),
      'tool traffic is invisible to the customer',
    );
  });

  void test('guide and script are refused by name', () => {
    assert.throws(
      () => tauUserTurn('tau-retail', 'retail', task, 'script', []),
      /tau-retail has no "script" user simulator \(supported: goal\)/,
    );
  });
});

void describe('τ environments', () => {
  const retail = tauEnvironment('tau-retail', DATA);
  const airline = tauEnvironment('tau-airline', DATA);
  const tau2 = tauEnvironment('tau2-retail', DATA);

  void test('golden replay: every task of every split reaches final reward 1 (solvable)', () => {
    const splits: [typeof retail, string][] = [
      [retail, 'train'],
      [retail, 'dev'],
      [retail, 'test'],
      [airline, 'test'],
      [tau2, 'train'],
      [tau2, 'test'],
      [tau2, 'base'],
    ];
    for (const [env, split] of splits) {
      const tasks = env.listTasks(split);
      const unsolvable = tasks
        .filter((t) => !t.solvable)
        .map((t) => `${t.id} ${JSON.stringify(env.goldenReplay(t).info)}`);
      assert.deepEqual(unsolvable, [], `${env.name} ${split}`);
    }
  });

  void test('tools: the schemas of tools.json (τ² without think), every one executable', () => {
    assert.equal(retail.tools().length, 16);
    assert.equal(airline.tools().length, 14);
    const names = tau2.tools().map((t) => t.function.name);
    assert.equal(names.length, 15);
    assert.ok(!names.includes('think'));
    const task = retail.getTask('train-0');
    for (const t of retail.tools())
      assert.doesNotMatch(retail.executeCall(task, t.function.name, {}, []).content, /^Unknown action/);
  });

  void test('sibling branches each see only their own write; the same calls give the same text again', () => {
    const task = retail
      .listTasks('train')
      .find((t) => t.goalCalls.some((g) => g.name === 'cancel_pending_order'))!;
    const cancel = task.goalCalls.find((g) => g.name === 'cancel_pending_order')!;
    const orderId = cancel.parameters.order_id as string;
    const look = { order_id: orderId };
    const before = retail.executeCall(task, 'get_order_details', look, []).content;
    assert.match(before, /"status": "pending"/);
    const root: PriorCall[] = [{ name: 'get_order_details', arguments: look }];
    const cancelled: PriorCall[] = [...root, { name: 'cancel_pending_order', arguments: cancel.parameters }];
    const moved: PriorCall[] = [
      ...root,
      {
        name: 'modify_pending_order_address',
        arguments: {
          order_id: orderId,
          address1: '1 Test Road',
          address2: '',
          city: 'Testville',
          state: 'TS',
          country: 'USA',
          zip: '00001',
        },
      },
    ];
    const a = retail.executeCall(task, 'get_order_details', look, cancelled);
    const b = retail.executeCall(task, 'get_order_details', look, moved);
    assert.match(a.content, /"status": "cancelled"/);
    assert.doesNotMatch(a.content, /Testville/);
    assert.match(b.content, /"status": "pending"/);
    assert.match(b.content, /"city": "Testville"/);
    // The base database is untouched, and replaying a prefix gives byte-identical text.
    assert.equal(retail.executeCall(task, 'get_order_details', look, []).content, before);
    assert.equal(retail.executeCall(task, 'get_order_details', look, cancelled).content, a.content);
    assert.equal(a.call.returned, a.content, 'the scored record holds the text the agent saw');
  });

  void test('errors are texts for the agent: unknown tool, bad arguments, a tool that raises', () => {
    const task = retail.getTask('train-0');
    const unknown = retail.executeCall(task, 'refund_everything', {}, []);
    assert.equal(unknown.content, 'Unknown action refund_everything');
    assert.equal(unknown.call.error, true);
    const notFound = retail.executeCall(task, 'get_order_details', { order_id: '#W0' }, []);
    assert.equal(notFound.content, 'Error: order not found');
    const missing = retail.executeCall(task, 'get_order_details', {}, []);
    assert.match(missing.content, /^Error: .*missing 1 required positional argument: 'order_id'/);
    const list = retail.executeCall(task, 'get_order_details', ['#W0'], []);
    assert.match(list.content, /^Error: .*argument after \*\* must be a mapping, not list/);
    const text = retail.executeCall(task, 'get_order_details', '{"order_id": "#W0"}', []);
    assert.equal(text.content, 'Error: order not found');
    assert.deepEqual(
      text.call.arguments,
      { order_id: '#W0' },
      'argument text is scored as the object it holds',
    );
  });

  void test('transfer_to_human_agents ends the conversation', () => {
    const task = airline.getTask('test-0');
    const r = airline.executeCall(task, 'transfer_to_human_agents', { summary: 'help' }, []);
    assert.equal(r.content, 'Transfer successful');
    assert.equal(r.endsConversation, true);
    assert.equal(airline.executeCall(task, 'list_all_airports', {}, []).endsConversation, undefined);
  });

  void test('final reward: 1 only with the gold database and every output said', () => {
    const task = retail
      .listTasks('test')
      .find((t) => (t.outputs ?? []).length > 0 && t.goalCalls.length > 1)!;
    const gold: PriorCall[] = task.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters }));
    const said = task.outputs!.map((o) => `It is ${o.toUpperCase()}.`);
    assert.equal(retail.finalReward(task, gold, said).reward, 1);
    const silent = retail.finalReward(task, gold, ['Done.']);
    assert.equal(silent.reward, 0);
    assert.deepEqual(silent.info.outputsMissing, task.outputs);
    const writes = task.goalCalls.filter(
      (g) => !['get_', 'find_', 'list_', 'calc', 'think'].some((p) => g.name.startsWith(p)),
    );
    if (writes.length) {
      const noWrite = retail.finalReward(
        task,
        gold.filter((g) => g.name !== writes[0].name),
        said,
      );
      assert.equal(noWrite.reward, 0);
      assert.equal(noWrite.info.dbMatch, false);
    }
    const nothing = retail.finalReward(retail.getTask('train-0'), [], []);
    assert.equal(nothing.reward, 0);
  });

  void test('τ²: natural-language assertions are reported as not checked', () => {
    const task = tau2.getTask('2');
    const gold: PriorCall[] = task.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters }));
    const r = tau2.finalReward(task, gold, ['There are 10 options.']);
    assert.equal(r.reward, 1);
    assert.equal(r.info.nlAssertionsNotChecked, 1);
    assert.equal(tau2.finalReward(tau2.getTask('0'), [], []).info.nlAssertionsNotChecked, undefined);
  });

  void test('unknown ids are UnknownTaskError naming where ids come from', () => {
    for (const [env, id] of [
      [retail, 'train-500'],
      [airline, 'train-0'],
      [tau2, '114'],
      [retail, '7'],
    ] as const)
      assert.throws(
        () => env.getTask(id),
        (e: Error) => e instanceof UnknownTaskError && e.message.includes(id),
      );
  });

  void test('agent system prompts wrap the domain policy; react lists the tools and its markers', () => {
    const policy = fs.readFileSync(path.join(DATA, 'taubench', 'airline', 'policy.md'), 'utf8').trim();
    const fc = airline.agentSystemPrompt('function-calling');
    assert.ok(fc.includes(policy));
    assert.match(fc, /airline/);
    const react = airline.agentSystemPrompt('react');
    assert.ok(react.includes(policy));
    assert.match(react, /^- book_reservation:/m);
    assert.match(react, /APICALL: \{"name"/);
    assert.ok(
      tau2.agentSystemPrompt('function-calling').includes('Retail agent policy') ||
        tau2.agentSystemPrompt('function-calling').length > 1000,
    );
  });

  void test('registry entries: names, splits, default split, user simulators, file names, data files', () => {
    assert.deepEqual(
      tauPlugins.map((p) => p.name),
      ['tau-retail', 'tau-airline', 'tau2-retail'],
    );
    assert.deepEqual(
      tauPlugins.map((p) => p.defaultSplit),
      ['train', 'test', 'train'],
    );
    for (const p of tauPlugins) assert.deepEqual(p.userSimKinds, ['goal']);
    assert.equal(tauTaskFileName('train-17'), 'train-17');
    assert.equal(tauTaskFileName('../a b.json'), '%2E%2E%2Fa%20b%2Ejson');
    assert.notEqual(tauTaskFileName('a.b'), tauTaskFileName('a%2Eb'));
    for (const n of tauNodes) {
      assert.ok(n.probe(DATA), n.name);
      assert.ok(!n.probe(tempDir()), n.name);
      for (const f of n.dataFiles(DATA)) assert.ok(fs.existsSync(f), f);
    }
    assert.equal(tauDataFiles('tau-retail', DATA).length, 3 + 3 + 2);
  });
});
