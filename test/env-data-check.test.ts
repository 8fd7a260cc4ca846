// checkEnvironmentData: everything a run of an environment reads (tool schemas, policy or prompts,
// database, the split's tasks), loaded and checked before the run starts, so a missing or broken
// file is one UserError line instead of an activity retrying it mid-harvest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkEnvironmentData } from '../src/env';
import { tauEnvironment } from '../src/env/tau';
import { DATA, dataWith, refuses } from './helpers/badData';

void describe('checkEnvironmentData: everything a run reads, loaded before it starts', () => {
  void test('the shared data: each environment with a split', () => {
    assert.deepEqual(checkEnvironmentData('tau-retail', DATA, { split: 'dev' }), {
      env: 'tau-retail',
      split: 'dev',
      tasks: 20,
      tools: 16,
    });
    assert.deepEqual(checkEnvironmentData('tau-airline', DATA), {
      env: 'tau-airline',
      split: 'test',
      tasks: 50,
      tools: 14,
    });
    assert.equal(checkEnvironmentData('tau2-retail', DATA, { split: 'test' }).tools, 15);
    assert.deepEqual(checkEnvironmentData('toolwoz', DATA, { split: 'test' }), {
      env: 'toolwoz',
      split: 'test',
      tasks: 450,
      tools: 8,
    });
  });

  void test('what a run would only find in an activity: the policy, the tool schemas, the database', () => {
    refuses(
      () =>
        checkEnvironmentData('tau-retail', dataWith({ 'taubench/retail/policy.md': null }), { split: 'dev' }),
      /taubench\/retail\/policy\.md: cannot read the agent policy \(ENOENT\)/,
    );
    refuses(
      () =>
        checkEnvironmentData('tau-retail', dataWith({ 'taubench/retail/tools.json': '[{"type": "func' }), {
          split: 'dev',
        }),
      /taubench\/retail\/tools\.json: not valid JSON/,
    );
    refuses(
      () => checkEnvironmentData('tau2-retail', dataWith({ 'tau2/retail/policy.md': null })),
      /tau2\/retail\/policy\.md: cannot read the agent policy/,
    );
    // listTasks alone never reads the τ database; the check does.
    const noOrders = dataWith({ 'taubench/airline/db/reservations.json': '{}' });
    assert.equal(tauEnvironment('tau-airline', noOrders).listTasks('test').length, 50);
    refuses(
      () => checkEnvironmentData('tau-airline', noOrders),
      /airline\/db\/reservations\.json: the reservations table is empty/,
    );
    refuses(
      () =>
        checkEnvironmentData('toolwoz', dataWith({ 'toolwoz/data/valid_api_defs.json': null }), {
          split: 'test',
        }),
      /valid_api_defs\.json: cannot read the ToolWOZ API definitions \(file not found\)/,
    );
  });

  void test('the split: its task file, an unknown split, an unknown environment', () => {
    refuses(
      () =>
        checkEnvironmentData('tau-retail', dataWith({ 'taubench/retail/tasks_test.json': null }), {
          split: 'test',
        }),
      /taubench\/retail\/tasks_test\.json: cannot read \(ENOENT\)/,
    );
    refuses(
      () => checkEnvironmentData('tau-airline', DATA, { split: 'train' }),
      /tau-airline has no split "train"/,
    );
    refuses(() => checkEnvironmentData('tau-rail', DATA), /unknown environment "tau-rail"/);
    refuses(
      () => checkEnvironmentData('toolwoz', dataWith({ 'multiwoz/val.json': '{}' })),
      /multiwoz\/val\.json: holds no dialogues/,
    );
  });
});
