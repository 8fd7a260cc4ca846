// CPU cost of one τ-bench tool call at branch depth 20 on the airline database (issue 13 wants well
// under 10 ms). A branch's call runs on the state its 20 earlier calls left; three cases:
//   cached  the state after the 20-call prefix is in the LRU (a sibling or a retry asked before),
//   parent  the state after the first 19 is cached, the 20th is new (the usual search step),
//   cold    nothing cached: all 20 calls are replayed first (a fresh worker process).
// CPU time is process.cpuUsage() (user + system) around many calls, divided by the count.
// Run: npx tsx scripts/benchTauTools.ts
import { resolveDataDir } from '../src/env/dataDir';
import { airlineDomain, loadAirlineDb } from '../src/env/tau/airline';
import { tauEnvironment } from '../src/env/tau';
import { clearStateCache, executeWithPrior } from '../src/env/tau/core/state';
import type { TauCall } from '../src/env/tau/core/types';

// A realistic conversation prefix: the gold actions of the airline test tasks, in order (lookups,
// searches, bookings, changes, cancellations), the first 20 as the branch's earlier calls and the
// next ones as the call made at depth 20.
const dataDir = resolveDataDir();
const gold: TauCall[] = tauEnvironment('tau-airline', dataDir)
  .listTasks('test')
  .flatMap((t) => t.goalCalls)
  .filter((g) => g.name !== 'transfer_to_human_agents')
  .map((g) => ({ name: g.name, arguments: g.parameters }));
const PREFIX = gold.slice(0, 20);
const NEXT = gold.slice(20, 32);
const call = (name: string, args: Record<string, unknown>): TauCall => ({ name, arguments: args });

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Mean CPU ms per call of `body(i)` over `n` calls. */
function measure(n: number, body: (i: number) => void): number {
  const start = cpuMs();
  for (let i = 0; i < n; i++) body(i);
  return (cpuMs() - start) / n;
}

const t0 = cpuMs();
const db = loadAirlineDb(dataDir);
const loadMs = cpuMs() - t0;

const exec = (prior: readonly TauCall[], c: TauCall) =>
  executeWithPrior(airlineDomain, db, prior, c.name, c.arguments);

// Warm the JIT and the route index, then measure.
for (let i = 0; i < 200; i++) exec(PREFIX, NEXT[i % NEXT.length]);

const cached = measure(3000, (i) => exec(PREFIX, NEXT[i % NEXT.length]));
const head = PREFIX.slice(0, 19);
exec(head, NEXT[0]);
const parent = measure(3000, (i) =>
  // A new 20th call each time (a distinct thought), so only it is replayed on the cached 19.
  exec([...head, call('think', { thought: `step ${i}` })], NEXT[i % NEXT.length]),
);
const cold = measure(300, (i) => {
  clearStateCache();
  exec(PREFIX, NEXT[i % NEXT.length]);
});
// One of each tool among the next calls.
const kinds = NEXT.filter((c, i) => NEXT.findIndex((d) => d.name === c.name) === i);
const perTool = kinds.map((c) => [c.name, measure(600, () => exec(PREFIX, c))] as const);

const f = (ms: number) => ms.toFixed(3).padStart(8);
console.log(`τ-bench airline: CPU per tool call at branch depth ${PREFIX.length} (process.cpuUsage)`);
console.log(`  database load (once per process): ${loadMs.toFixed(0)} ms`);
console.log(`  cached prefix   ${f(cached)} ms/call`);
console.log(`  cached parent   ${f(parent)} ms/call  (19 cached, the 20th replayed)`);
console.log(`  cold (no cache) ${f(cold)} ms/call  (all 20 replayed)`);
for (const [name, ms] of perTool) console.log(`    cached, ${name.padEnd(28)} ${f(ms)} ms`);
