// Data directories that parse but cannot work: τ DB tables that are empty or hold records of the
// wrong shape, and data files that are valid but empty (no dialogues, tools, rows or tasks). Each is
// one UserError line naming the file (and the record and field), never a stack from inside a tool
// or a run that selects nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { tauEnvironment } from '../src/env/tau';
import { loadAirlineDb } from '../src/env/tau/airline';
import { loadRetailTau2Db, loadRetailV1Db } from '../src/env/tau/retail';
import { createToolwozEnvironment } from '../src/env/toolwoz';
import { DATA, dataWith, filesDir, refuses } from './helpers/badData';

// ---- τ DB fixtures: the smallest tables every tool can run on --------------------------------

const retailTables = () => ({
  orders: {
    '#W1': {
      order_id: '#W1',
      user_id: 'ann_1',
      status: 'delivered',
      items: [{ name: 'Lamp', product_id: 'p1', item_id: 'i1', price: 10.5, options: { color: 'red' } }],
      payment_history: [{ transaction_type: 'payment', amount: 10.5, payment_method_id: 'gift_card_1' }],
    },
  },
  products: {
    p1: {
      name: 'Lamp',
      product_id: 'p1',
      variants: {
        i1: { item_id: 'i1', options: { color: 'red' }, available: true, price: 10.5 },
        i2: { item_id: 'i2', options: { color: 'blue' }, available: false, price: 11 },
      },
    },
  },
  users: {
    ann_1: {
      name: { first_name: 'Ann', last_name: 'Lee' },
      address: { zip: '10001' },
      email: 'ann@example.com',
      payment_methods: {
        gift_card_1: { source: 'gift_card', balance: 20, id: 'gift_card_1' },
        paypal_1: { source: 'paypal', id: 'paypal_1' },
      },
      orders: ['#W1'],
    },
  },
});

const airlineTables = () => ({
  flights: {
    HAT001: {
      flight_number: 'HAT001',
      origin: 'JFK',
      destination: 'SFO',
      scheduled_departure_time_est: '06:00:00',
      scheduled_arrival_time_est: '09:00:00',
      dates: {
        '2024-05-01': { status: 'landed' },
        '2024-05-20': {
          status: 'available',
          available_seats: { basic_economy: 3, economy: 2, business: 1 },
          prices: { basic_economy: 50, economy: 100, business: 300 },
        },
      },
    },
  },
  reservations: {
    ABC123: {
      reservation_id: 'ABC123',
      user_id: 'bo_2',
      origin: 'JFK',
      destination: 'SFO',
      flight_type: 'one_way',
      cabin: 'economy',
      flights: [
        { origin: 'JFK', destination: 'SFO', flight_number: 'HAT001', date: '2024-05-20', price: 100 },
      ],
      passengers: [{ first_name: 'Bo', last_name: 'Li', dob: '1990-01-01' }],
      payment_history: [{ payment_id: 'gift_card_2', amount: 100 }],
      created_at: '2024-05-01T00:00:00',
      total_baggages: 0,
      nonfree_baggages: 0,
      insurance: 'no',
    },
  },
  users: {
    bo_2: {
      payment_methods: {
        gift_card_2: { source: 'gift_card', amount: 50, id: 'gift_card_2' },
        credit_card_2: { source: 'credit_card', brand: 'visa', last_four: '1234', id: 'credit_card_2' },
      },
      reservations: ['ABC123'],
    },
  },
});

type Tables = Record<string, Record<string, unknown>>;

const retailV1 = (tables: Tables): string =>
  filesDir(Object.fromEntries(Object.entries(tables).map(([t, v]) => [`taubench/retail/db/${t}.json`, v])));
const airline = (tables: Tables): string =>
  filesDir(Object.fromEntries(Object.entries(tables).map(([t, v]) => [`taubench/airline/db/${t}.json`, v])));
const retailTau2 = (tables: Tables): string => filesDir({ 'tau2/retail/db.json': tables });

/** The fixture with one change made to it. */
function edited<T extends Tables>(make: () => T, change: (t: T) => void): T {
  const t = make();
  change(t);
  return t;
}

type Rec = Record<string, unknown>;
const order = (t: Tables) => t.orders['#W1'] as Rec;
const firstItem = (t: Tables) => (order(t).items as Rec[])[0];

void describe('τ database tables: empty, or records of the wrong shape', () => {
  void test('the fixtures and the shared data load', () => {
    loadRetailV1Db(retailV1(retailTables()));
    loadRetailTau2Db(retailTau2(retailTables()));
    loadAirlineDb(airline(airlineTables()));
    loadRetailV1Db(DATA);
    loadRetailTau2Db(DATA);
    loadAirlineDb(DATA);
  });

  void test('an empty table names its file and what it should hold', () => {
    for (const t of ['orders', 'products', 'users'])
      refuses(
        () => loadRetailV1Db(retailV1({ ...retailTables(), [t]: {} })),
        new RegExp(
          `retail/db/${t}\\.json: the ${t} table is empty \\(expected ${t.slice(0, -1)} records keyed by`,
        ),
      );
    for (const t of ['flights', 'reservations', 'users'])
      refuses(
        () => loadAirlineDb(airline({ ...airlineTables(), [t]: {} })),
        new RegExp(`airline/db/${t}\\.json: the ${t} table is empty \\(expected`),
      );
    refuses(
      () => loadRetailTau2Db(retailTau2({ ...retailTables(), products: {} })),
      /tau2\/retail\/db\.json: the products table is empty \(expected product records keyed by product id\)/,
    );
  });

  void test('retail: a record missing a field the tools read, or holding the wrong type', () => {
    const cases: [Tables, RegExp][] = [
      [
        edited(retailTables, (t) => delete (t.products.p1 as Rec).variants),
        /products\.json: p1\.variants: expected an object keyed by id \(missing\)/,
      ],
      [
        edited(retailTables, (t) => ((t.products.p1 as Rec).variants = [])),
        /products\.json: p1\.variants: expected an object keyed by id \(got \[\]\)/,
      ],
      [
        edited(retailTables, (t) => (((t.products.p1 as Rec).variants as Rec).i2 = 'x')),
        /products\.json: p1\.variants\.i2: expected an object \(got "x"\)/,
      ],
      [
        edited(retailTables, (t) => ((firstItem(t).price as unknown) = '10.5')),
        /orders\.json: #W1\.items\[0\]\.price: expected a number \(got "10\.5"\)/,
      ],
      [
        edited(retailTables, (t) => (order(t).payment_history = [])),
        /orders\.json: #W1\.payment_history: expected a non-empty array \(got \[\]\)/,
      ],
      [
        edited(retailTables, (t: Tables) => (t.users.ann_1 = 'ann')),
        /users\.json: ann_1: expected an object \(got "ann"\)/,
      ],
      [
        edited(retailTables, (t) => delete (t.users.ann_1 as Rec).email),
        /users\.json: ann_1\.email: expected a string \(missing\)/,
      ],
      [
        edited(
          retailTables,
          (t) => delete (((t.users.ann_1 as Rec).payment_methods as Rec).gift_card_1 as Rec).balance,
        ),
        /users\.json: ann_1\.payment_methods\.gift_card_1\.balance: expected a number \(missing\)/,
      ],
    ];
    for (const [tables, pattern] of cases) refuses(() => loadRetailV1Db(retailV1(tables)), pattern);
  });

  void test('retail: references the tools follow (an order’s user, product and payment method)', () => {
    const cases: [Tables, RegExp][] = [
      [
        edited(retailTables, (t) => (order(t).user_id = 'nobody')),
        /orders\.json: #W1\.user_id: expected the id of a user in the users table \(got "nobody"\)/,
      ],
      [
        edited(retailTables, (t) => (firstItem(t).product_id = 'p9')),
        /orders\.json: #W1\.items\[0\]\.product_id: expected the id of a product in the products table \(got "p9"\)/,
      ],
      [
        edited(
          retailTables,
          (t) => ((order(t).payment_history as Rec[])[0].payment_method_id = 'gift_card_9'),
        ),
        /orders\.json: #W1\.payment_history\[0\]\.payment_method_id: expected a payment method of user ann_1/,
      ],
    ];
    for (const [tables, pattern] of cases) refuses(() => loadRetailV1Db(retailV1(tables)), pattern);
    // τ²'s single file: the table is part of the path.
    refuses(
      () =>
        loadRetailTau2Db(retailTau2(edited(retailTables, (t) => ((firstItem(t).price as unknown) = null)))),
      /tau2\/retail\/db\.json: orders\.#W1\.items\[0\]\.price: expected a number \(got null\)/,
    );
  });

  void test('airline: a record missing a field the tools read, or a reservation of an unknown user', () => {
    const flight = (t: Tables) => t.flights.HAT001 as Rec;
    const cases: [Tables, RegExp][] = [
      [
        edited(airlineTables, (t) => delete ((flight(t).dates as Rec)['2024-05-20'] as Rec).prices),
        /flights\.json: HAT001\.dates\.2024-05-20\.prices: expected an object keyed by id \(missing\)/,
      ],
      [
        edited(airlineTables, (t) => (flight(t).origin = 7)),
        /flights\.json: HAT001\.origin: expected a string \(got 7\)/,
      ],
      [
        edited(airlineTables, (t) => ((t.reservations.ABC123 as Rec).payment_history = {})),
        /reservations\.json: ABC123\.payment_history: expected an array \(got \{\}\)/,
      ],
      [
        edited(airlineTables, (t) => ((t.reservations.ABC123 as Rec).user_id = 'nobody')),
        /reservations\.json: ABC123\.user_id: expected the id of a user in the users table \(got "nobody"\)/,
      ],
      [
        edited(
          airlineTables,
          (t) => delete (((t.users.bo_2 as Rec).payment_methods as Rec).gift_card_2 as Rec).amount,
        ),
        /users\.json: bo_2\.payment_methods\.gift_card_2\.amount: expected a number \(missing\)/,
      ],
    ];
    for (const [tables, pattern] of cases) refuses(() => loadAirlineDb(airline(tables)), pattern);
  });

  void test('a task list of a data directory with an empty products table is refused, not a crash in a tool', () => {
    const env = tauEnvironment('tau-retail', dataWith({ 'taubench/retail/db/products.json': '{}' }));
    refuses(() => env.listTasks('dev').map((t) => t.solvable), /products\.json: the products table is empty/);
  });
});

void describe('valid but empty data files', () => {
  void test('MultiWOZ: a dialogue file with no dialogues, an empty split list', () => {
    refuses(
      () => createToolwozEnvironment(dataWith({ 'multiwoz/val.json': '{}' })).listTasks('val'),
      /multiwoz\/val\.json: holds no dialogues \(expected a JSON object of dialogues keyed by dialogue id\)/,
    );
    const splits = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'splits.json'), 'utf8')) as Rec;
    refuses(
      () =>
        createToolwozEnvironment(
          dataWith({ 'multiwoz/splits.json': JSON.stringify({ ...splits, val: [] }) }),
        ).listTasks('val'),
      /multiwoz\/splits\.json: the val list is empty \(expected the ids of the val dialogues\)/,
    );
    // A val file holding none of the listed dialogues.
    const test = JSON.parse(fs.readFileSync(path.join(DATA, 'multiwoz', 'test.json'), 'utf8')) as Rec;
    refuses(
      () =>
        createToolwozEnvironment(
          dataWith({ 'multiwoz/val.json': JSON.stringify({ MUL0003: test.MUL0003 }) }),
        ).listTasks('val'),
      /multiwoz\/val\.json: holds none of the \d+ val dialogues listed in .*splits\.json/,
    );
  });

  void test('ToolWOZ: an empty tool list or an empty entity database', () => {
    refuses(
      () => createToolwozEnvironment(dataWith({ 'toolwoz/data/tools.json': '[]' })).getTask('MUL0013.json'),
      /toolwoz\/data\/tools\.json: holds no tools \(expected a JSON array of OpenAI function tools\)/,
    );
    for (const domain of ['restaurant', 'hotel', 'attraction', 'train'])
      refuses(
        () =>
          createToolwozEnvironment(dataWith({ [`toolwoz/db/${domain}_db.json`]: '[]' })).getTask(
            'MUL0013.json',
          ),
        new RegExp(
          `toolwoz/db/${domain}_db\\.json: holds no rows \\(expected a JSON array of the ${domain} entities\\)`,
        ),
      );
  });

  void test('τ-bench: an empty or foreign tools.json, an empty task file or split', () => {
    refuses(
      () => tauEnvironment('tau-retail', dataWith({ 'taubench/retail/tools.json': '[]' })).tools(),
      /taubench\/retail\/tools\.json: holds no tools \(expected an array of the domain's tool schemas\)/,
    );
    const airlineTools = fs.readFileSync(path.join(DATA, 'taubench', 'airline', 'tools.json'), 'utf8');
    refuses(
      () => tauEnvironment('tau-retail', dataWith({ 'taubench/retail/tools.json': airlineTools })).tools(),
      /taubench\/retail\/tools\.json: \[0\]\.function\.name: expected a tool of τ-bench retail \(got "book_reservation"\)/,
    );
    refuses(
      () =>
        tauEnvironment('tau-retail', dataWith({ 'taubench/retail/tasks_dev.json': '[]' })).listTasks('dev'),
      /taubench\/retail\/tasks_dev\.json: holds no tasks \(expected a non-empty array\)/,
    );
    refuses(
      () => tauEnvironment('tau2-retail', dataWith({ 'tau2/retail/tasks.json': '[]' })).listTasks('train'),
      /tau2\/retail\/tasks\.json: holds no tasks/,
    );
    const split = JSON.parse(
      fs.readFileSync(path.join(DATA, 'tau2', 'retail', 'split_tasks.json'), 'utf8'),
    ) as Rec;
    refuses(
      () =>
        tauEnvironment(
          'tau2-retail',
          dataWith({ 'tau2/retail/split_tasks.json': JSON.stringify({ ...split, train: [] }) }),
        ).listTasks('train'),
      /tau2\/retail\/split_tasks\.json: train: lists no tasks \(expected the ids of the train tasks\)/,
    );
  });
});
