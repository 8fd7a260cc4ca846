// Eval summaries and comparisons on hand-made outcomes: domain breakdown (a task counts in each of
// its domains), the solvable subset, pass^k over trials, usage and cost, the paired comparison and
// its no-overlap error, and the text tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConversationOutcome } from '../src/eval/load';
import { summarizeEval, type TaskInfo } from '../src/eval/metrics';
import { compareRuns, type RunSide } from '../src/eval/compare';
import { formatComparison, formatEval } from '../src/eval/format';
import { UserError } from '../src/util/errors';

function outcome(taskId: string, trial: number, reward: number): ConversationOutcome {
  return {
    version: 1,
    runId: 'r',
    mode: 'eval',
    env: 'toolwoz',
    taskId,
    trial,
    reward,
    success: reward === 1,
    goalCount: 2,
    steps: 3,
    branches: 3,
    stopReason: reward === 1 ? 'success' : 'all-ended',
    usage: {
      agent: { calls: 4, promptTokens: 1000, completionTokens: 100 },
      user: { calls: 2, promptTokens: 200, completionTokens: 20 },
    },
    workflowId: `r/${taskId}`,
  };
}

const TASKS: Record<string, TaskInfo> = {
  A: { domains: ['hotel', 'train'], solvable: true },
  B: { domains: ['hotel'], solvable: true },
  C: { domains: ['train'], solvable: false },
};
const lookup = (id: string): TaskInfo | null => TASKS[id] ?? null;

const input = {
  runId: 'r',
  mode: 'eval',
  env: 'toolwoz',
  split: 'test',
  agentModel: 'm-agent',
  userModel: 'm-user',
  userSim: 'goal',
  agentTemperature: 1,
  trials: 2,
  expected: 8,
};

test('eval summary: overall, solvable subset, domains (multi-domain tasks count in each), pass^k, usage, cost', () => {
  const cs = [
    outcome('A', 0, 1),
    outcome('A', 1, 1),
    outcome('B', 0, 1),
    outcome('B', 1, 0.5),
    outcome('C', 0, 0),
    outcome('C', 1, 0.5),
    outcome('Z', 0, 1), // not in the data: counted overall, in no domain
  ];
  const s = summarizeEval({ ...input, prices: { 'm-agent': { input: 1, output: 10 } } }, cs, lookup, {
    resamples: 500,
  });
  assert.equal(s.conversations, 7);
  assert.equal(s.overall.tasks, 4);
  assert.equal(s.overall.successRate.estimate, 4 / 7);
  assert.ok(s.overall.successRate.low <= 4 / 7 && 4 / 7 <= s.overall.successRate.high);
  assert.equal(s.solvable?.conversations, 4);
  assert.equal(s.solvable?.successRate.estimate, 3 / 4);
  assert.equal(s.unsolvableTasks, 1);
  assert.equal(s.unknownTasks, 1);
  const byDomain = Object.fromEntries(s.domains.map((d) => [d.domain, d]));
  assert.deepEqual(Object.keys(byDomain), ['hotel', 'train']);
  assert.equal(byDomain.hotel.tasks, 2); // A and B
  assert.equal(byDomain.train.tasks, 2); // A and C
  assert.equal(byDomain.hotel.successRate.estimate, 3 / 4);
  assert.equal(byDomain.train.averageReward.estimate, (1 + 1 + 0 + 0.5) / 4);
  // pass^k over 2 trials: A 2/2, B 1/2, C 0/2 and Z (1 trial, k=1 only).
  assert.equal(s.passK.length, 2);
  assert.equal(s.passK[0].estimate, (1 + 0.5 + 0 + 1) / 4);
  assert.equal(s.passK[1].estimate, (1 + 0 + 0) / 3);
  assert.equal(s.passK[1].tasks, 3);
  assert.equal(s.usage.agent.calls, 28);
  assert.equal(s.usage.user.perConversation.calls, 2);
  // Agent: 7 × (1000 in × $1 + 100 out × $10) / 1M = $0.014; the user model has no price.
  assert.ok(s.cost && Math.abs(s.cost.total - 0.014) < 1e-12);
  assert.deepEqual(s.cost?.missing, ['m-user']);

  const text = formatEval(s);
  assert.match(text, /all tasks\s+4\s+7\s+57\.1% \[/);
  assert.match(text, /solvable subset\s+2\s+4\s+75\.0% \[/);
  assert.match(text, /Per domain/);
  assert.match(text, /hotel\s+2\s+4/);
  assert.match(text, /pass\^k/);
  assert.match(text, /estimated cost: \$0\.0140 .*no price for m-user/);
});

function side(runId: string, cs: ConversationOutcome[], over: Partial<RunSide> = {}): RunSide {
  return {
    label: runId,
    runId,
    mode: 'eval',
    env: 'toolwoz',
    split: 'test',
    agentModel: 'm',
    agentTemperature: 1,
    unfinished: null,
    conversations: cs,
    ...over,
  };
}

test('compare pairs on (task, trial), reports B − A with CI and p, and counts the unpaired', () => {
  const a = ['A', 'B', 'C', 'D', 'E', 'F'].map((t) => outcome(t, 0, 0));
  const b = ['A', 'B', 'C', 'D', 'E', 'G'].map((t) => outcome(t, 0, 1));
  const c = compareRuns(side('a', a), side('b', b, { agentTemperature: 0.3 }), { resamples: 999 });
  assert.equal(c.shared.pairs, 5);
  assert.equal(c.onlyA, 1);
  assert.equal(c.onlyB, 1);
  assert.equal(c.success.a, 0);
  assert.equal(c.success.b, 1);
  assert.equal(c.success.delta.estimate, 1);
  assert.equal(c.success.delta.pValue, 1 / 1000);
  assert.equal(c.reward.delta.low, 1);
  const text = formatComparison(c);
  assert.match(text, /success rate\s+0\.0%\s+100\.0%\s+\+100\.0 pp\s+\[100\.0 pp, 100\.0 pp\]\s+≤ 0\.001/);
  assert.match(text, /1 only in A, 1 only in B/);
  assert.equal(c.warnings.length, 0);
});

test('compare of runs without a shared (task, trial) pair is a one-line user error', () => {
  assert.throws(
    () => compareRuns(side('a', [outcome('A', 0, 1)]), side('b', [outcome('A', 1, 1)])),
    (e: unknown) => e instanceof UserError && /share no \(task, trial\) pair/.test(e.message),
  );
  // Different modes still compare, with a warning.
  const c = compareRuns(
    side('a', [outcome('A', 0, 1)]),
    side('b', [outcome('A', 0, 1)], { mode: 'harvest' }),
  );
  assert.match(c.warnings.join(' '), /modes differ/);
});

test('compare refuses runs of two environments, and warns of a run that has not finished', () => {
  assert.throws(
    () =>
      compareRuns(side('a', [outcome('A', 0, 1)]), side('b', [outcome('A', 0, 1)], { env: 'tau-airline' })),
    (e: unknown) =>
      e instanceof UserError &&
      /a \(a\) is a toolwoz run and b \(b\) a tau-airline run: their task ids name different tasks/.test(
        e.message,
      ),
  );
  const c = compareRuns(
    side('a', [outcome('A', 0, 1)]),
    side('b', [outcome('A', 0, 1)], {
      unfinished: 'run b has not finished (harvest.json: "running"): only the 1 conversation written so far',
    }),
  );
  assert.deepEqual(c.warnings, [
    'b: run b has not finished (harvest.json: "running"): only the 1 conversation written so far',
  ]);
});
