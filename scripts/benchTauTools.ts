// CPU cost of one τ-bench tool call at branch depth 20 on the airline database (issue 13 wants well
// under 10 ms). A branch's call runs on the state its 20 earlier calls left; three cases:
//   cached  the state after the 20-call prefix is in the LRU (a sibling or a retry asked before),
//   parent  the state after the first 19 is cached, the 20th is new (the usual search step),
//   cold    nothing cached: all 20 calls are replayed first (a fresh worker process).
// CPU time is process.cpuUsage() (user + system) around many calls, divided by the count.
// Run: npx tsx scripts/benchTauTools.ts
import { resolveDataDir } from '../src/env/dataDir';
import { airlineDomain, loadAirlineDb } from '../src/env/tau/airline';
import { clearStateCache, executeWithPrior } from '../src/env/tau/core/state';
import type { TauCall } from '../src/env/tau/core/types';

const call = (name: string, args: Record<string, unknown>): TauCall => ({ name, arguments: args });

// A plausible 20-call conversation prefix: lookups, searches, and writes that succeed or fail.
const USER = 'mei_hernandez_8984';
const PREFIX: TauCall[] = [
  call('get_user_details', { user_id: USER }),
  call('get_reservation_details', { reservation_id: 'R9QDGB' }),
  call('get_reservation_details', { reservation_id: '07S7FC' }),
  call('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-20' }),
  call('search_onestop_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-20' }),
  call('calculate', { expression: '121 + 30 + 50' }),
  call('book_reservation', {
    user_id: USER,
    origin: 'JFK',
    destination: 'SEA',
    flight_type: 'one_way',
    cabin: 'economy',
    flights: [{ flight_number: 'HAT069', date: '2024-05-20' }],
    passengers: [{ first_name: 'Mei', last_name: 'Hernandez', dob: '1981-01-11' }],
    payment_methods: [{ payment_id: 'credit_card_2140654', amount: 201 }],
    total_baggages: 1,
    nonfree_baggages: 1,
    insurance: 'yes',
  }),
  call('get_reservation_details', { reservation_id: 'HATHAT' }),
  call('update_reservation_baggages', {
    reservation_id: 'HATHAT',
    total_baggages: 2,
    nonfree_baggages: 2,
    payment_id: 'gift_card_5309492',
  }),
  call('think', { thought: 'the customer wants to change the return flight' }),
  call('search_direct_flight', { origin: 'LAS', destination: 'IAH', date: '2024-05-30' }),
  call('update_reservation_flights', {
    reservation_id: '07S7FC',
    cabin: 'business',
    flights: [
      { flight_number: 'HAT286', date: '2024-05-28' },
      { flight_number: 'HAT175', date: '2024-05-30' },
    ],
    payment_id: 'credit_card_6082923',
  }),
  call('get_user_details', { user_id: USER }),
  call('update_reservation_passengers', {
    reservation_id: '07S7FC',
    passengers: [
      { first_name: 'Anya', last_name: 'Anderson', dob: '1959-05-28' },
      { first_name: 'Sophia', last_name: 'Jackson', dob: '1965-03-19' },
    ],
  }),
  call('cancel_reservation', { reservation_id: 'R9QDGB' }),
  call('send_certificate', { user_id: USER, amount: 100 }),
  call('list_all_airports', {}),
  call('search_onestop_flight', { origin: 'LAX', destination: 'BOS', date: '2024-05-28' }),
  call('get_reservation_details', { reservation_id: 'R9QDGB' }),
  call('get_user_details', { user_id: USER }),
];

// The call made at depth 20, cycling through read and write tools.
const NEXT: TauCall[] = [
  call('get_reservation_details', { reservation_id: '07S7FC' }),
  call('get_user_details', { user_id: USER }),
  call('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-21' }),
  call('search_onestop_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-21' }),
  call('cancel_reservation', { reservation_id: 'HATHAT' }),
  call('update_reservation_baggages', {
    reservation_id: '07S7FC',
    total_baggages: 4,
    nonfree_baggages: 1,
    payment_id: 'credit_card_2140654',
  }),
];

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
const db = loadAirlineDb(resolveDataDir());
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
const perTool = NEXT.map((c) => [c.name, measure(600, () => exec(PREFIX, c))] as const);

const f = (ms: number) => ms.toFixed(3).padStart(8);
console.log(`τ-bench airline: CPU per tool call at branch depth ${PREFIX.length} (process.cpuUsage)`);
console.log(`  database load (once per process): ${loadMs.toFixed(0)} ms`);
console.log(`  cached prefix   ${f(cached)} ms/call`);
console.log(`  cached parent   ${f(parent)} ms/call  (19 cached, the 20th replayed)`);
console.log(`  cold (no cache) ${f(cold)} ms/call  (all 20 replayed)`);
for (const [name, ms] of perTool) console.log(`    cached, ${name.padEnd(28)} ${f(ms)} ms`);
