// Golden replay: every task's gold actions, executed as the agent's calls, with the task's required
// outputs said in one agent message, must reach τ-bench's final reward 1 (the DB after the calls
// equals the DB after the gold actions, and every output was said). A task that cannot is listed
// with the reason. The counts per split are printed (they go in docs/).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { pyParse, toJs, type PyValue } from '../src/env/tau/core/pyjson';
import { finalReward } from '../src/env/tau/core/reward';
import { executeWithPrior } from '../src/env/tau/core/state';
import type { TauCall } from '../src/env/tau/core/types';
import { tauEnvironment } from '../src/env/tau';
import { loadRetailTau2Db, loadRetailV1Db, retailDomain } from '../src/env/tau/retail';
import type { PriorCall } from '../src/env/types';

const dataDir = resolveDataDir();

interface GoldTask {
  id: string;
  actions: TauCall[];
  outputs: string[];
}

function read(file: string): PyValue {
  return pyParse(fs.readFileSync(file, 'utf8'));
}

function v1Tasks(split: string): GoldTask[] {
  const list = read(path.join(dataDir, 'taubench', 'retail', `tasks_${split}.json`)) as PyValue[];
  return list.map((t, i) => {
    const task = t as Map<string, PyValue>;
    return {
      id: `${split}-${i}`,
      actions: (task.get('actions') as PyValue[]).map((a) => {
        const act = a as Map<string, PyValue>;
        return {
          name: act.get('name') as string,
          arguments: toJs(act.get('kwargs') as PyValue) as Record<string, unknown>,
        };
      }),
      outputs: task.get('outputs') as string[],
    };
  });
}

function tau2Tasks(split: string): GoldTask[] {
  const dir = path.join(dataDir, 'tau2', 'retail');
  const ids = new Set((toJs(read(path.join(dir, 'split_tasks.json'))) as Record<string, string[]>)[split]);
  const all = read(path.join(dir, 'tasks.json')) as PyValue[];
  return all
    .filter((t) => ids.has((t as Map<string, PyValue>).get('id') as string))
    .map((t) => {
      const task = toJs(t) as {
        id: string;
        evaluation_criteria: {
          actions: { name: string; arguments: Record<string, unknown> }[] | null;
          communicate_info: string[] | null;
        };
      };
      return {
        id: task.id,
        actions: (task.evaluation_criteria.actions ?? []).map((a) => ({
          name: a.name,
          arguments: a.arguments,
        })),
        outputs: task.evaluation_criteria.communicate_info ?? [],
      };
    });
}

/** Replays a task's gold actions as the agent would (each on the state its predecessors left),
 * and scores the result. Returns the reason it fails, or undefined. */
function replay(db: ReturnType<typeof loadRetailV1Db>, task: GoldTask): string | undefined {
  const calls: TauCall[] = [];
  const errors: string[] = [];
  for (const a of task.actions) {
    const out = executeWithPrior(retailDomain, db, calls, a.name, a.arguments);
    if (out.error) errors.push(`${a.name}: ${out.content}`);
    calls.push(a);
    if (out.endsConversation) break;
  }
  const r = finalReward(
    retailDomain,
    db,
    calls,
    task.actions,
    task.outputs,
    task.outputs.length ? [task.outputs.join('\n')] : [],
  );
  if (r.reward === 1) return undefined;
  return `reward 0 (dbMatch ${r.info.dbMatch}, outputs missing ${JSON.stringify(r.info.outputsMissing)}; gold call errors: ${errors.join(' | ') || 'none'})`;
}

describe('golden replay: retail (tau-retail and tau2-retail)', () => {
  const cases: [string, () => ReturnType<typeof loadRetailV1Db>, () => GoldTask[]][] = [
    ['tau-retail train', () => loadRetailV1Db(dataDir), () => v1Tasks('train')],
    ['tau-retail dev', () => loadRetailV1Db(dataDir), () => v1Tasks('dev')],
    ['tau-retail test', () => loadRetailV1Db(dataDir), () => v1Tasks('test')],
    ['tau2-retail train', () => loadRetailTau2Db(dataDir), () => tau2Tasks('train')],
    ['tau2-retail test', () => loadRetailTau2Db(dataDir), () => tau2Tasks('test')],
  ];
  for (const [name, db, tasks] of cases) {
    test(`${name}: every task's gold actions reach final reward 1`, () => {
      const list = tasks();
      assert.ok(list.length > 0);
      const failing = new Map<string, string>();
      for (const t of list) {
        const why = replay(db(), t);
        if (why) failing.set(t.id, why);
      }
      console.log(`golden ${name}: ${list.length - failing.size}/${list.length} reach reward 1`);
      for (const [id, why] of failing) console.log(`  ${id}: ${why}`);
      assert.deepEqual([...failing.keys()], [], 'tasks whose gold actions do not reach reward 1');
    });
  }

  test('a missing write or a missing output scores 0, naming the part that failed', () => {
    const db = loadRetailV1Db(dataDir);
    const tasks = v1Tasks('test'); // only test tasks have required outputs
    const READS = /^(get_|find_|list_|calculate$|think$|transfer_)/;
    const withOutput = tasks.find((t) => t.outputs.length > 0);
    assert.ok(withOutput, 'a test task with a required output');
    const r0 = finalReward(retailDomain, db, withOutput.actions, withOutput.actions, withOutput.outputs, [
      'hello',
    ]);
    assert.deepEqual(r0, { reward: 0, info: { dbMatch: true, outputsMissing: withOutput.outputs } });
    // Outputs match case-insensitively with the agent's commas removed.
    const said = [withOutput.outputs.map((o) => o.toUpperCase()).join(' and ')];
    assert.equal(
      finalReward(retailDomain, db, withOutput.actions, withOutput.actions, withOutput.outputs, said).reward,
      1,
    );

    const withWrite = tasks.find((t) => t.actions.some((a) => !READS.test(a.name)));
    assert.ok(withWrite, 'a test task with a write');
    const lastWrite = [...withWrite.actions].reverse().find((a) => !READS.test(a.name));
    const partial = withWrite.actions.filter((a) => a !== lastWrite);
    const r1 = finalReward(retailDomain, db, partial, withWrite.actions, [], []);
    assert.equal(r1.reward, 0);
    assert.equal(r1.info.dbMatch, false);
    assert.ok((r1.info.dbDiff ?? []).length > 0);
  });
});

describe('golden replay: airline (tau-airline)', () => {
  // Through the environment as a run uses it: each gold action is the agent's call on the state its
  // predecessors left (executeCall with the branch's prior calls), then finalReward with the
  // outputs said in one agent message.
  test("tau-airline test: every task's gold actions reach final reward 1", () => {
    const env = tauEnvironment('tau-airline', dataDir);
    const tasks = env.listTasks('test');
    assert.equal(tasks.length, 50);
    const failing = new Map<string, string>();
    let goldErrors = 0;
    for (const task of tasks) {
      const prior: PriorCall[] = [];
      const errors: string[] = [];
      for (const g of task.goalCalls) {
        const out = env.executeCall(task, g.name, g.parameters, prior);
        if (out.call.error) errors.push(`${g.name}: ${out.content}`);
        prior.push({ name: g.name, arguments: g.parameters });
        if (out.endsConversation) break;
      }
      goldErrors += errors.length;
      const outputs = task.outputs ?? [];
      const r = env.finalReward(task, prior, outputs.length ? [outputs.join('\n')] : []);
      if (r.reward !== 1)
        failing.set(
          task.id,
          `reward ${r.reward} (${JSON.stringify(r.info)}; gold call errors: ${errors.join(' | ') || 'none'})`,
        );
    }
    console.log(
      `golden tau-airline test: ${tasks.length - failing.size}/${tasks.length} reach reward 1 (${goldErrors} gold calls answered an error)`,
    );
    for (const [id, why] of failing) console.log(`  ${id}: ${why}`);
    assert.deepEqual([...failing.keys()], [], 'tasks whose gold actions do not reach reward 1');
  });

  test('a missing write or output scores 0; the reward names the part that failed', () => {
    const env = tauEnvironment('tau-airline', dataDir);
    const tasks = env.listTasks('test');
    const withOutput = tasks.find((t) => (t.outputs ?? []).length > 0);
    assert.ok(withOutput, 'a test task with a required output');
    const calls = withOutput.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters }));
    const r0 = env.finalReward(withOutput, calls, ['nothing useful']);
    assert.equal(r0.reward, 0);
    assert.equal(r0.info.dbMatch, true);
    assert.deepEqual(r0.info.outputsMissing, withOutput.outputs);
    const booking = tasks.find((t) => t.goalCalls.some((g) => g.name === 'book_reservation'));
    assert.ok(booking, 'a test task that books');
    const without = booking.goalCalls
      .filter((g) => g.name !== 'book_reservation')
      .map((g) => ({ name: g.name, arguments: g.parameters }));
    const r1 = env.finalReward(booking, without, [(booking.outputs ?? []).join('\n')]);
    assert.equal(r1.reward, 0);
    assert.equal(r1.info.dbMatch, false);
    assert.ok((r1.info.dbDiff as string[]).includes('reservations/HATHAT'));
  });
});
