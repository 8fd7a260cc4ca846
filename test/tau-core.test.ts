// The τ-bench core: Python-exact JSON and arithmetic, copy-on-write branch state, argument binding.
// Expected texts below were produced once with the machine's python3 (3.11.7), e.g.
// `python3 -c 'import json; print(json.dumps(...))'`, `repr(x)` and `repr(round(x, 2))`, and pasted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeDb } from '../src/env/tau/core/db';
import {
  PyFloat,
  pyDumps,
  pyFloatRepr,
  pyParse,
  type PyDict,
  type PyValue,
} from '../src/env/tau/core/pyjson';
import { pyAdd, pyRound, pySub, roundFloat } from '../src/env/tau/core/pymath';
import { finalReward } from '../src/env/tau/core/reward';
import { clearStateCache, executeWithPrior } from '../src/env/tau/core/state';
import { ToolError, type TauDomain } from '../src/env/tau/core/types';

describe('pyjson', () => {
  test('json.dumps of parsed JSON keeps ints, floats, key order and escapes as Python prints them', () => {
    const text =
      '{"9": 1, "10": 1.0, "a": "\\u00e9\\u0001\\u007f\\ud83d\\ude00\\"\\\\/", "b": [1, 1.0, -0.0, 1e16, 1e15, 0.0001, 0.00001, 1.5e-7, true, null]}';
    // python3: json.dumps(json.loads(text))
    assert.equal(
      pyDumps(pyParse(text)),
      '{"9": 1, "10": 1.0, "a": "\\u00e9\\u0001\\u007f\\ud83d\\ude00\\"\\\\/", "b": [1, 1.0, -0.0, 1e+16, 1000000000000000.0, 0.0001, 1e-05, 1.5e-07, true, null]}',
    );
    assert.equal(pyDumps(pyParse('{"x": {}, "y": []}')), '{"x": {}, "y": []}');
    assert.equal(pyDumps(new PyFloat(Infinity)), 'Infinity');
  });

  test('repr(float) as Python', () => {
    // python3: repr(x) for each x
    const cases: [number, string][] = [
      [0.1 + 0.2, '0.30000000000000004'],
      [100, '100.0'],
      [1e16, '1e+16'],
      [9999999999999998, '9999999999999998.0'],
      [1e-5, '1e-05'],
      [2.5e-5, '2.5e-05'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [1e22, '1e+22'],
      [123456789.125, '123456789.125'],
    ];
    for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, String(x));
  });

  test('round(x, 2) as Python: exact value, ties to even, sign kept', () => {
    // python3: repr(round(x, 2))
    const cases: [number, string][] = [
      [0.125, '0.12'],
      [0.375, '0.38'],
      [-0.125, '-0.12'],
      [2.675, '2.67'],
      [1.005, '1.0'],
      [1234.565, '1234.57'],
      [99.995, '100.0'],
      [-0.001, '-0.0'],
      [536.65 + 47.84 - 488.81, '95.68'],
    ];
    for (const [x, s] of cases) assert.equal(pyFloatRepr(roundFloat(x, 2)), s, String(x));
    assert.equal(pyRound(51, 2), 51); // round(int, 2) stays an int
  });

  test('int and float arithmetic keeps Python types', () => {
    assert.equal(pyDumps(pyAdd(51, new PyFloat(49))), '100.0');
    assert.equal(pyDumps(pySub(60, 10)), '50');
    assert.equal(pyDumps(pyRound(pyAdd(new PyFloat(0.1), new PyFloat(0.2)), 2)), '0.3');
  });
});

// A toy domain: a counter table and a tool that writes it.
const base = makeDb('toy', {
  items: new Map<string, PyValue>([
    ['a', new Map<string, PyValue>([['n', 0]]) as PyDict],
    ['b', new Map<string, PyValue>([['n', 5]]) as PyDict],
  ]),
});
const toy: TauDomain = {
  name: 'toy',
  tables: ['items'],
  tools: {
    set_n: {
      pyClass: 'toy.tools.set_n.SetN',
      params: ['id', 'n'],
      run(db, a) {
        const rec = db.mutable('items', a.id as string) as PyDict | undefined;
        if (!rec) throw new ToolError('item not found');
        rec.set('n', a.n);
        return pyDumps(rec);
      },
    },
    get_n: {
      pyClass: 'toy.tools.get_n.GetN',
      params: ['id'],
      run: (db, a) => pyDumps(db.get('items', a.id as string) ?? null),
    },
    bye: { pyClass: 'toy.tools.bye.Bye', params: [], run: () => 'bye', endsConversation: true },
  },
};

describe('branch state', () => {
  test('sibling branches see only their own writes; the base is never modified', () => {
    const prefix = [{ name: 'set_n', arguments: { id: 'a', n: 1 } }];
    const left = [...prefix, { name: 'set_n', arguments: { id: 'a', n: 2 } }];
    const right = [...prefix, { name: 'set_n', arguments: { id: 'b', n: 3 } }];
    assert.equal(executeWithPrior(toy, base, left, 'get_n', { id: 'a' }).content, '{"n": 2}');
    assert.equal(executeWithPrior(toy, base, right, 'get_n', { id: 'a' }).content, '{"n": 1}');
    assert.equal(executeWithPrior(toy, base, right, 'get_n', { id: 'b' }).content, '{"n": 3}');
    assert.equal(executeWithPrior(toy, base, left, 'get_n', { id: 'b' }).content, '{"n": 5}');
    assert.equal(executeWithPrior(toy, base, [], 'get_n', { id: 'a' }).content, '{"n": 0}');
    // A fresh cache rebuilds the same states (replay is deterministic).
    clearStateCache();
    assert.equal(executeWithPrior(toy, base, left, 'get_n', { id: 'a' }).content, '{"n": 2}');
    assert.equal(executeWithPrior(toy, base, [], 'get_n', { id: 'b' }).content, '{"n": 5}');
  });

  test('bad calls are texts for the agent, in Python words, never throws', () => {
    const run = (name: string, args: Record<string, unknown> | string) =>
      executeWithPrior(toy, base, [], name, args);
    assert.deepEqual(run('nope', {}), { content: 'Unknown action nope', error: true });
    assert.equal(
      run('set_n', { id: 'a' }).content,
      "Error: SetN.invoke() missing 1 required positional argument: 'n'",
    );
    assert.equal(
      run('set_n', {}).content,
      "Error: SetN.invoke() missing 2 required positional arguments: 'id' and 'n'",
    );
    assert.equal(
      run('set_n', { id: 'a', n: 1, x: 2 }).content,
      "Error: SetN.invoke() got an unexpected keyword argument 'x'",
    );
    assert.equal(
      run('set_n', '[1]').content,
      'Error: toy.tools.set_n.SetN.invoke() argument after ** must be a mapping, not list',
    );
    assert.equal(run('set_n', '{"id": "a", "n": 1.0}').content, '{"n": 1.0}'); // text arguments keep floats
    assert.equal(run('set_n', 'not json').error, true);
    assert.equal(run('set_n', { id: 'zz', n: 1 }).content, 'Error: item not found');
    assert.deepEqual(run('bye', ''), { content: 'bye', error: false, endsConversation: true });
  });

  test('final reward compares the written records canonically and checks outputs', () => {
    const gold = [{ name: 'set_n', arguments: { id: 'a', n: 1 } }];
    assert.equal(finalReward(toy, base, gold, gold, ['N Is 1'], ['n is, 1']).reward, 1);
    const wrongType = [{ name: 'set_n', arguments: '{"id": "a", "n": 1.0}' }]; // 1.0 is not 1 in τ-bench's hash
    assert.equal(finalReward(toy, base, wrongType, gold, [], []).info.dbMatch, false);
    const undone = [...gold, { name: 'set_n', arguments: { id: 'b', n: 5 } }]; // rewrites b to its base value
    assert.equal(finalReward(toy, base, undone, gold, [], []).reward, 1);
    assert.deepEqual(finalReward(toy, base, gold, gold, ['x'], ['y']).info, {
      dbMatch: true,
      outputsMissing: ['x'],
    });
  });
});
