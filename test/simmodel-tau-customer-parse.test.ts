// The τ customer's instruction parser over every task of every τ split: for each task, the facts
// its gold actions use that its instruction states (order, reservation, payment and user ids,
// names, zip, email, cancellation reasons, the new items' option values, addresses, flight
// numbers, dates, airports, cabin) must be in the parse, each in its own field (an option value
// under the right product type). The parser never sees the gold actions; they only say what to
// look for. Also measured: whether the parse's intents (requests and conditions) cover every gold
// write action.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { loadTau2, loadV1Split, type TauTaskData } from '../src/env/tau/tasks';
import { parseScenario, sentences } from '../src/simmodel/tau/customer/parse';
import { mentions } from '../src/simmodel/tau/customer/products';
import type { Intent, TauScenario } from '../src/simmodel/tau/customer/scenario';
import { getTauWorld } from '../src/simmodel/tau/world';

const DATA = resolveDataDir();
const world = getTauWorld(DATA);

type Variant = { options: Record<string, string> };
type Product = { name: string; variants: Record<string, Variant> };
const products = JSON.parse(
  fs.readFileSync(path.join(DATA, 'taubench', 'retail', 'db', 'products.json'), 'utf8'),
) as Record<string, Product>;
const itemIndex = new Map<string, { product: string; options: Record<string, string> }>();
for (const p of Object.values(products))
  for (const [id, v] of Object.entries(p.variants))
    itemIndex.set(id, { product: p.name, options: v.options });

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface Fact {
  kind: string;
  value: string;
  /** For an option value: its product type. */
  product?: string;
}

const addressSentences = (text: string): string =>
  sentences(text)
    .filter((x) => /address|deliver|ship/i.test(x))
    .join(' ');

/** The facts of the gold actions that the instruction states. */
function statedFacts(t: TauTaskData): Fact[] {
  const text = t.instruction;
  const out: Fact[] = [];
  const add = (kind: string, value: unknown, stated: boolean, product?: string): void => {
    if (typeof value !== 'string' || value === '' || !stated) return;
    if (!out.some((f) => f.kind === kind && f.value === value && f.product === product))
      out.push({ kind, value, ...(product ? { product } : {}) });
  };
  for (const g of t.goalCalls) {
    const a = g.parameters as Record<string, unknown>;
    const s = (k: string): string | undefined => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
    const order = s('order_id');
    if (order) add('order', order, text.includes(order.replace(/^#W?/, '')));
    for (const k of ['payment_method_id', 'payment_id']) {
      const v = s(k);
      if (v) add('payment', v, text.includes(v));
    }
    const user = s('user_id');
    if (user) add('user', user, text.includes(user));
    const email = s('email');
    if (email) add('email', email, text.includes(email));
    if (g.name === 'find_user_id_by_name_zip') {
      for (const k of ['first_name', 'last_name']) add('name', s(k), text.includes(s(k) ?? '\0'));
      add('zip', s('zip'), text.includes(s('zip') ?? '\0'));
    }
    const reservation = s('reservation_id');
    if (reservation) add('reservation', reservation, new RegExp(`\\b${reservation}\\b`).test(text));
    const reason = s('reason');
    if (reason) add('reason', reason, text.toLowerCase().includes(reason));
    if (Array.isArray(a.new_item_ids) && Array.isArray(a.item_ids)) {
      a.new_item_ids.forEach((id, i) => {
        const item = itemIndex.get(String(id));
        const old = itemIndex.get(String((a.item_ids as unknown[])[i]));
        if (!item) return;
        for (const [k, v] of Object.entries(item.options))
          // A value the item keeps from the old one is not a wish, unless the instruction says it.
          if (old?.options[k] !== v || mentions(text, v)) add('option', v, mentions(text, v), item.product);
      });
    }
    if (/address/.test(g.name)) {
      // Stated where the instruction talks about an address (a zip given as identity is not one).
      const about = addressSentences(text);
      for (const k of ['address1', 'address2', 'city', 'zip'])
        add('address', s(k), about.includes(s(k) ?? '\0'));
    }
    if (Array.isArray(a.flights))
      for (const f of a.flights as { flight_number?: string; date?: string }[]) {
        add('flight', f.flight_number, text.includes(f.flight_number ?? '\0'));
        if (f.date) {
          const [, m, d] = f.date.split('-').map(Number);
          add(
            'date',
            f.date,
            text.includes(f.date) || new RegExp(`\\b${MONTHS[m - 1]} ${d}(st|nd|rd|th)?\\b`).test(text),
          );
        }
      }
    for (const k of ['origin', 'destination'])
      add('airport', s(k), new RegExp(`\\b${s(k) ?? '\0'}\\b`).test(text));
    const cabin = s('cabin');
    if (cabin) add('cabin', cabin, text.toLowerCase().includes(cabin.replace('_', ' ')));
  }
  return out;
}

function parsed(sc: TauScenario, f: Fact): boolean {
  switch (f.kind) {
    case 'order':
      return sc.orderIds.some((o) => o.replace(/^#W?/, '') === f.value.replace(/^#W?/, ''));
    case 'payment':
      return sc.paymentIds.includes(f.value);
    case 'user':
      return sc.identity.userId === f.value;
    case 'email':
      return [sc.identity.email, ...(sc.identity.otherEmails ?? [])].includes(f.value);
    case 'name':
      return sc.identity.firstName === f.value || sc.identity.lastName === f.value;
    case 'zip':
      return [sc.identity.zip, ...(sc.identity.otherZips ?? [])].includes(f.value);
    case 'reservation':
      return sc.reservationIds.includes(f.value);
    case 'reason':
      return sc.requests.some((r) => r.reason === f.value) || sc.reasons.includes(f.value);
    case 'option': {
      const items = [...sc.requests.flatMap((r) => r.items), ...sc.conditions.flatMap((c) => c.items)];
      return items.some(
        (i) =>
          i.product === f.product &&
          [...Object.values(i.to), ...Object.values(i.from), ...i.values].includes(f.value),
      );
    }
    case 'address':
      return sc.requests.some((r) => r.address && Object.values(r.address).includes(f.value));
    case 'flight':
      return sc.flightNumbers.includes(f.value);
    case 'date': {
      const [, m, d] = f.value.split('-').map(Number);
      return sc.dates.some((x) => x.month === m && x.day === d);
    }
    case 'airport':
      return sc.airports.includes(f.value);
    case 'cabin':
      return sc.cabin === f.value;
    default:
      return false;
  }
}

const WRITE_INTENTS: Record<string, Intent[]> = {
  cancel_pending_order: ['cancel'],
  return_delivered_order_items: ['return'],
  exchange_delivered_order_items: ['exchange'],
  modify_pending_order_items: ['modify_items', 'exchange'],
  modify_pending_order_address: ['modify_address', 'change_user_address'],
  modify_pending_order_payment: ['modify_payment'],
  modify_user_address: ['change_user_address', 'modify_address'],
  book_reservation: ['book'],
  cancel_reservation: ['cancel_reservation'],
  update_reservation_flights: ['change_flights', 'change_cabin'],
  update_reservation_baggages: ['baggage'],
  update_reservation_passengers: ['passengers'],
  send_certificate: ['compensation'],
};

function intentsCovered(t: TauTaskData, sc: TauScenario): boolean {
  const have = new Set<Intent>([
    ...sc.requests.map((r) => r.intent),
    ...sc.conditions.flatMap((c) => c.intents),
  ]);
  return t.goalCalls.every((g) => !WRITE_INTENTS[g.name] || WRITE_INTENTS[g.name].some((i) => have.has(i)));
}

interface Row {
  split: string;
  tasks: number;
  tasksOk: number;
  facts: number;
  factsOk: number;
  intentsOk: number;
  misses: string[];
}

function measure(split: string, domain: 'retail' | 'airline', tasks: TauTaskData[]): Row {
  const row: Row = { split, tasks: tasks.length, tasksOk: 0, facts: 0, factsOk: 0, intentsOk: 0, misses: [] };
  for (const t of tasks) {
    const sc = parseScenario(world, t.instruction, domain);
    const facts = statedFacts(t);
    const missed = facts.filter((f) => !parsed(sc, f));
    row.facts += facts.length;
    row.factsOk += facts.length - missed.length;
    if (missed.length === 0) row.tasksOk++;
    else
      row.misses.push(
        `${t.id}: ${missed.map((f) => `${f.kind}=${f.value}${f.product ? `(${f.product})` : ''}`).join(', ')}`,
      );
    if (intentsCovered(t, sc)) row.intentsOk++;
  }
  return row;
}

function allRows(): Row[] {
  const rows: Row[] = [];
  for (const split of ['train', 'dev', 'test'])
    rows.push(measure(`tau-retail ${split}`, 'retail', loadV1Split(DATA, 'retail', split)));
  rows.push(measure('tau-airline test', 'airline', loadV1Split(DATA, 'airline', 'test')));
  const tau2 = loadTau2(DATA, 'retail');
  const byId = new Map(tau2.tasks.map((t) => [t.id, t]));
  for (const [split, ids] of tau2.splits)
    rows.push(
      measure(
        `tau2-retail ${split}`,
        'retail',
        ids.map((id) => byId.get(id) as TauTaskData),
      ),
    );
  return rows;
}

void describe('τ customer instruction parser over every τ task', () => {
  const rows = allRows();
  test('per-split recovery table', () => {
    const lines = rows.map(
      (r) => `| ${r.split} | ${r.tasksOk}/${r.tasks} | ${r.factsOk}/${r.facts} | ${r.intentsOk}/${r.tasks} |`,
    );
    if (process.env.TAU_PARSE_TABLE) {
      console.log(lines.join('\n'));
      for (const r of rows) for (const m of r.misses) console.log(`  ${r.split} ${m}`);
    }
    assert.equal(rows.length, 7);
  });

  // The measured figures (docs/simulated-model.md, "The τ-bench customer"): tasks whose every
  // stated fact is in the parse, stated facts in the parse, tasks whose write intents are all read.
  // τ-bench retail's generated train instructions are read exactly; the free-text ones (dev, test,
  // airline, τ²) miss mostly options named for an item the text calls by another word ("the
  // silicone watch") or by reference ("the same type as the one you already received").
  const EXPECTED: Record<string, [number, number, number]> = {
    'tau-retail train': [500, 3068, 500],
    'tau-retail dev': [19, 43, 17],
    'tau-retail test': [103, 311, 114],
    'tau-airline test': [49, 72, 50],
    'tau2-retail train': [67, 198, 74],
    'tau2-retail test': [34, 113, 39],
    'tau2-retail base': [101, 311, 113],
  };
  for (const [split, [tasksOk, factsOk, intentsOk]] of Object.entries(EXPECTED)) {
    test(`${split}: ${tasksOk} tasks fully recovered, ${factsOk} facts, ${intentsOk} intents`, () => {
      const r = rows.find((x) => x.split === split);
      assert.ok(r, split);
      assert.deepEqual(
        [r.tasksOk, r.factsOk, r.intentsOk],
        [tasksOk, factsOk, intentsOk],
        r.misses.join('\n'),
      );
    });
  }

  test('every item the parse names is a product type of the catalogue (no sentence read as an item)', () => {
    const bad: string[] = [];
    for (const split of ['train', 'dev', 'test'])
      for (const t of loadV1Split(DATA, 'retail', split))
        for (const r of parseScenario(world, t.instruction, 'retail').requests)
          for (const i of r.items)
            if (!world.retail.productTypes.includes(i.product)) bad.push(`${t.id}: ${i.product}`);
    assert.deepEqual(bad, []);
  });

  test('every stated fact of every generated train instruction, and most of the free-text ones', () => {
    const facts = rows.filter((r) => !r.split.includes('base')).reduce((a, r) => a + r.facts, 0);
    const ok = rows.filter((r) => !r.split.includes('base')).reduce((a, r) => a + r.factsOk, 0);
    assert.ok(ok / facts > 0.97, `${ok}/${facts}`);
  });
});

void describe('τ customer instruction parser on single instructions', () => {
  test('a generated retail instruction: identity, requests in order, items with both option sets, payment', () => {
    const sc = parseScenario(
      world,
      "Your name is Yusuf Hernandez and your zip code is 80265. You are confident, cautious. For #W2466703, change address to {'order_id': '#W2466703', 'address1': '580 Broadway', 'address2': 'Suite 162', 'city': 'Denver', 'country': 'USA', 'state': 'CO', 'zip': '80265'} (same as #W2166301). For #W2466703, modify Fleece Jacket {'size': 'L', 'color': 'black', 'zipper': 'full'} to {'size': 'XS', 'color': 'navy'}; Grill {'type': 'charcoal', 'size': 'medium', 'features': 'side burner'} to {'features': 'rotisserie'}; via paypal_7529813. ",
      'retail',
    );
    assert.deepEqual(sc.identity, { firstName: 'Yusuf', lastName: 'Hernandez', zip: '80265' });
    assert.deepEqual(sc.persona, ['confident', 'cautious']);
    assert.deepEqual(
      sc.requests.map((r) => [r.intent, r.orderIds.join()]),
      [
        ['modify_address', '#W2466703'],
        ['modify_items', '#W2466703'],
      ],
    );
    assert.equal(sc.requests[0].address?.address1, '580 Broadway');
    assert.deepEqual(sc.requests[1].items[0].to, { size: 'XS', color: 'navy' });
    assert.deepEqual(sc.requests[1].items[1].from, {
      type: 'charcoal',
      size: 'medium',
      features: 'side burner',
    });
    assert.equal(sc.requests[1].payment, 'paypal_7529813');
  });

  test('free text: options by product, a fallback condition, what it does not want', () => {
    const sc = parseScenario(
      world,
      "You are Yusuf Rossi in 19122. You received your order #W2378156 and wish to exchange the mechanical keyboard for a similar one but with clicky switches and the smart thermostat for one compatible with Google Home instead of Apple HomeKit. If there is no keyboard that is clicky, RGB backlight, full size, you'd go for no backlight. You are detail-oriented and want to make sure everything is addressed in one go.",
      'retail',
    );
    assert.deepEqual(sc.identity, { firstName: 'Yusuf', lastName: 'Rossi', zip: '19122' });
    assert.equal(sc.requests.length, 1);
    const [r] = sc.requests;
    assert.equal(r.intent, 'exchange');
    assert.deepEqual(r.orderIds, ['#W2378156']);
    assert.deepEqual(
      r.items.map((i) => i.product),
      ['Mechanical Keyboard', 'Smart Thermostat'],
    );
    assert.equal(r.items[0].to['switch type'], 'clicky');
    assert.equal(r.items[1].from.compatibility, 'Apple HomeKit');
    assert.equal(sc.conditions.length, 1);
    assert.match(sc.conditions[0].when, /no keyboard/);
    assert.deepEqual(sc.conditions[0].items[0].values, ['clicky', 'RGB', 'full size']);
  });

  test('items it keeps are not items to act on; a second email and zip to try', () => {
    const keep = parseScenario(
      world,
      'You are mia_garcia_4516 (mia.garcia2723@example.com). You just got into gaming and want to cancel or return everything not associated with it. (Everything except a keyboard and a mouse, but do not reveal it to the agent).',
      'retail',
    );
    assert.deepEqual(
      keep.requests.flatMap((r) => r.items),
      [],
    );
    assert.deepEqual(
      [keep.identity.firstName, keep.identity.lastName],
      ['Mia', 'Garcia'],
      'from the user id',
    );
    const two = parseScenario(
      world,
      'You are aarav_santos_2259 and aarav.santos8321@example.com and aarav.santos8320@example.com. You want to return the speaker.',
      'retail',
    );
    assert.equal(two.identity.email, 'aarav.santos8321@example.com');
    assert.deepEqual(two.identity.otherEmails, ['aarav.santos8320@example.com']);
  });

  test('airline: user id, route, date, cabin, bags, insurance, reservation ids', () => {
    const sc = parseScenario(
      world,
      'You are mia_li_3668. You want to fly from New York to Seattle on May 20 (one way). You do not want to fly before 11am est. You want to fly in economy. You have 3 baggages. You do not want insurance.',
      'airline',
    );
    assert.equal(sc.identity.userId, 'mia_li_3668');
    assert.deepEqual(
      sc.requests.map((r) => r.intent),
      ['book'],
    );
    assert.deepEqual(sc.cities, ['New York', 'Seattle']);
    assert.deepEqual(sc.dates, [{ month: 5, day: 20, text: 'May 20' }]);
    assert.equal(sc.cabin, 'economy');
    assert.equal(sc.baggage, 3);
    assert.equal(sc.insurance, false);
    const res = parseScenario(
      world,
      'You are aarav_ahmed_6699. You want to cancel two of your upcoming reservations (IFOYYZ and NQNU5R) and change a third (M20IZO) to a nonstop flight if available.',
      'airline',
    );
    assert.deepEqual(res.reservationIds, ['IFOYYZ', 'NQNU5R', 'M20IZO']);
  });
});
