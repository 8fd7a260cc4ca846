// Dev-only calibration harness for the simulated model (issue 4): runs the JOSH search loop of
// spec section 2 in-process — the project's own pure search core (src/josh/search.ts), ToolWOZ
// environment, agent strategies and scoring — against the simulated model over real HTTP with the
// openai SDK, and reports the success rate of single rollouts (beam 1) and of the beam search.
// The conversation workflow does the same on Temporal; this skips Temporal to iterate quickly.
//
//   npx tsx scripts/calibrate-simmodel.ts [--split val] [--beam 1,8] [--limit N] [--concurrency 16]
//     [--strategy function-calling|react] [--user goal|guide] [--temperature 1] [--error-rates SPEC]
//     [--show TASK_ID]
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import type { AgentStrategy, Task, UserSimKind } from '../src/env/types';
import { createSimModelServer, parseErrorRates } from '../src/simmodel';
import { type SearchOutcome, runSearch, simClient } from '../test/helpers/simRollout';

const { values: flags } = parseArgs({
  options: {
    split: { type: 'string', default: 'val' },
    beam: { type: 'string', default: '1,8' },
    limit: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    strategy: { type: 'string', default: 'function-calling' },
    user: { type: 'string', default: 'goal' },
    temperature: { type: 'string', default: '1' },
    'error-rates': { type: 'string', default: '' },
    'max-steps': { type: 'string', default: '15' },
    show: { type: 'string' },
    run: { type: 'string', default: 'calibrate' },
    'only-solvable': { type: 'boolean', default: false },
    'list-failures': { type: 'boolean', default: false },
  },
});

type Outcome = SearchOutcome & { success: boolean };

async function main(): Promise<void> {
  const dataDir = resolveDataDir();
  const env = getEnvironment('toolwoz', dataDir);
  let tasks = env.listTasks(flags.split!);
  if (flags['only-solvable']) tasks = tasks.filter((t) => t.solvable);
  if (flags.show) tasks = tasks.filter((t) => t.id === flags.show || t.id === `${flags.show}.json`);
  if (flags.limit) tasks = tasks.slice(0, Number(flags.limit));
  const sim = await createSimModelServer({
    dataDir,
    errorRates: flags['error-rates'] ? parseErrorRates(flags['error-rates']) : {},
  });
  const client = simClient(`${sim.url}/v1`);
  const strategy = flags.strategy as AgentStrategy;
  const userSim = flags.user as UserSimKind;
  const temperature = Number(flags.temperature);
  try {
    for (const beam of flags.beam!.split(',').map(Number)) {
      const started = Date.now();
      sim.resetStats();
      const outcomes = await pool(tasks, Number(flags.concurrency), async (task): Promise<Outcome> => {
        const o = await runSearch(client, env, task, {
          beam,
          strategy,
          user: userSim,
          temperature,
          runId: flags.run,
          maxSteps: Number(flags['max-steps']),
        });
        if (flags.show) show(task, o);
        return { ...o, success: o.reward === 1 };
      });
      report(`beam ${beam}`, tasks, outcomes, Date.now() - started);
      if (flags['list-failures']) {
        const failed = tasks.map((t, i) => [t, outcomes[i]] as const).filter(([, o]) => !o.success);
        console.log(
          failed
            .map(
              ([t, o]) => `${t.id}${t.solvable ? '' : '(unsolvable)'}:${o.stopReason}:${o.reward.toFixed(2)}`,
            )
            .join(' '),
        );
      }
      const st = sim.stats();
      console.log(`  requests: ${JSON.stringify(st.requests)}`);
    }
  } finally {
    await sim.close();
  }
}

function report(label: string, tasks: Task[], outcomes: Outcome[], ms: number): void {
  const n = outcomes.length;
  const succ = outcomes.filter((o) => o.success).length;
  const solvable = tasks.map((t, i) => [t, outcomes[i]] as const).filter(([t]) => t.solvable);
  const succSolvable = solvable.filter(([, o]) => o.success).length;
  const avgReward = outcomes.reduce((a, o) => a + o.reward, 0) / n;
  const avgSteps = outcomes.reduce((a, o) => a + o.steps, 0) / n;
  const calls = outcomes.reduce((a, o) => a + o.llmCalls, 0);
  const reasons: Record<string, number> = {};
  for (const o of outcomes) reasons[o.stopReason] = (reasons[o.stopReason] ?? 0) + 1;
  const [lo, hi] = bootstrap(outcomes.map((o) => (o.success ? 1 : 0)));
  console.log(
    `${label}: success ${succ}/${n} = ${((100 * succ) / n).toFixed(1)}% (95% CI ${(100 * lo).toFixed(1)}–${(100 * hi).toFixed(1)}%), ` +
      `solvable ${succSolvable}/${solvable.length}, avg reward ${avgReward.toFixed(3)}, avg steps ${avgSteps.toFixed(1)}, ` +
      `LLM calls ${calls}, ${(ms / 1000).toFixed(1)}s, stop reasons ${JSON.stringify(reasons)}`,
  );
}

function bootstrap(xs: number[], rounds = 1000): [number, number] {
  let seed = 12345;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const means: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[Math.floor(rand() * xs.length)];
    means.push(s / xs.length);
  }
  means.sort((a, b) => a - b);
  return [means[Math.floor(rounds * 0.025)], means[Math.floor(rounds * 0.975)]];
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

function show(task: Task, o: SearchOutcome): void {
  console.log(
    `--- ${task.id} goal calls ${JSON.stringify(task.goalCalls.map((g) => [g.name, g.parameters]))}`,
  );
  for (const m of o.transcript) {
    const calls =
      m.role === 'assistant' && m.toolCalls
        ? ` ${JSON.stringify(m.toolCalls.map((c) => [c.name, c.arguments]))}`
        : '';
    console.log(`${m.role.padEnd(9)} ${m.content ?? ''}${calls}`);
  }
  console.log(`reward ${o.reward} stop ${o.stopReason} steps ${o.steps}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
