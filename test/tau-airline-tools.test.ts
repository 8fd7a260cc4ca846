// τ-bench airline's tools on the real airline DB: each tool's result and its error texts, the DB
// changes (new reservation ids, payments, gift card and certificate balances), branch isolation,
// and determinism (a fresh process gives the same bytes). Expected texts were produced once with
// python3 running τ-bench's airline tool behaviour on the same DB, and pasted here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { resolveDataDir } from '../src/env/dataDir';
import { airlineDomain, loadAirlineDb } from '../src/env/tau/airline';
import { calculate } from '../src/env/tau/core/calculate';
import { clearStateCache, executeWithPrior } from '../src/env/tau/core/state';
import { ToolError, type TauCall } from '../src/env/tau/core/types';

const db = loadAirlineDb(resolveDataDir());
const run = (name: string, args: Record<string, unknown> | string, prior: TauCall[] = []) =>
  executeWithPrior(airlineDomain, db, prior, name, args);
const text = (name: string, args: Record<string, unknown> | string, prior: TauCall[] = []) =>
  run(name, args, prior).content;
const call = (name: string, args: Record<string, unknown>): TauCall => ({ name, arguments: args });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

// mei_hernandez_8984: gift card (98), two certificates (250 each), two credit cards; reservations
// R9QDGB (economy, 3 passengers, 1911 by credit_card_6082923) and 07S7FC (business, 2 passengers).
const MEI = 'mei_hernandez_8984';
const MEI_METHODS =
  '"payment_methods": {"gift_card_5309492": {"source": "gift_card", "amount": 98, "id": "gift_card_5309492"}, "credit_card_2140654": {"source": "credit_card", "brand": "mastercard", "last_four": "1698", "id": "credit_card_2140654"}, "certificate_7502997": {"source": "certificate", "amount": 250, "id": "certificate_7502997"}, "certificate_3321326": {"source": "certificate", "amount": 250, "id": "certificate_3321326"}, "credit_card_6082923": {"source": "credit_card", "brand": "visa", "last_four": "3202", "id": "credit_card_6082923"}}';
const MEI_HEAD =
  '{"name": {"first_name": "Mei", "last_name": "Hernandez"}, "address": {"address1": "675 Sunset Drive", "address2": "Suite 623", "city": "Dallas", "country": "USA", "province": "TX", "zip": "75379"}, "email": "mei.hernandez3561@example.com", "dob": "1981-01-11", ';
const MEI_TAIL =
  ', "saved_passengers": [{"first_name": "Anya", "last_name": "Anderson", "dob": "1959-05-28"}], "membership": "gold", "reservations": ["R9QDGB", "07S7FC", "79G8A9", "1AKIA8"';
const R07 = (flights: string, history: string) =>
  `{"reservation_id": "07S7FC", "user_id": "mei_hernandez_8984", "origin": "IAH", "destination": "LAS", "flight_type": "round_trip", "cabin": "business", "flights": [${flights}], "passengers": [{"first_name": "Anya", "last_name": "Anderson", "dob": "1959-05-28"}, {"first_name": "Sophia", "last_name": "Jackson", "dob": "1965-03-19"}], "payment_history": [{"payment_id": "credit_card_6082923", "amount": 4118}${history}], "created_at": "2024-05-04T05:12:00", "total_baggages": 3, "nonfree_baggages": 0, "insurance": "yes"}`;
const R07_FLIGHTS =
  '{"origin": "IAH", "destination": "LAS", "flight_number": "HAT286", "date": "2024-05-28", "price": 917}, {"origin": "LAS", "destination": "IAH", "flight_number": "HAT175", "date": "2024-05-29", "price": 1112}';

const BOOK = {
  user_id: MEI,
  origin: 'JFK',
  destination: 'SEA',
  flight_type: 'one_way',
  cabin: 'economy',
  flights: [{ flight_number: 'HAT069', date: '2024-05-20' }],
  passengers: [{ first_name: 'Mei', last_name: 'Hernandez', dob: '1981-01-11' }],
  // 121 (economy) + 30 (insurance) + 50 (one non-free bag) = 201.
  payment_methods: [
    { payment_id: 'gift_card_5309492', amount: 98 },
    { payment_id: 'certificate_7502997', amount: 100 },
    { payment_id: 'credit_card_2140654', amount: 3 },
  ],
  total_baggages: 1,
  nonfree_baggages: 1,
  insurance: 'yes',
};
const booked = (id: string, history: string) =>
  `{"reservation_id": "${id}", "user_id": "mei_hernandez_8984", "origin": "JFK", "destination": "SEA", "flight_type": "one_way", "cabin": "economy", "flights": [{"flight_number": "HAT069", "date": "2024-05-20", "price": 121, "origin": "JFK", "destination": "SEA"}], "passengers": [{"first_name": "Mei", "last_name": "Hernandez", "dob": "1981-01-11"}], "payment_history": [${history}], "created_at": "2024-05-15T15:00:00", "total_baggages": 1, "nonfree_baggages": 1, "insurance": "yes"}`;

describe('airline tools', () => {
  test('reads: users, reservations (τ-bench says "user not found" for both), airports', () => {
    assert.equal(text('get_user_details', { user_id: MEI }), `${MEI_HEAD}${MEI_METHODS}${MEI_TAIL}]}`);
    assert.equal(text('get_user_details', { user_id: 'nobody' }), 'Error: user not found');
    assert.equal(text('get_user_details', { user_id: 7 }), 'Error: user not found');
    assert.equal(text('get_user_details', { user_id: [MEI] }), "Error: unhashable type: 'list'");
    assert.equal(text('get_reservation_details', { reservation_id: '07S7FC' }), R07(R07_FLIGHTS, ''));
    assert.equal(text('get_reservation_details', { reservation_id: 'NOPE' }), 'Error: user not found');
    assert.ok(
      text('list_all_airports', {}).startsWith(
        '{"SFO": "San Francisco", "JFK": "New York", "LAX": "Los Angeles"',
      ),
    );
    assert.ok(text('list_all_airports', {}).endsWith('"PHL": "Philadelphia", "LGA": "LaGuardia"}'));
    assert.deepEqual(run('think', { thought: 'hm' }), { content: '', error: false });
  });

  test('transfer_to_human_agents ends the conversation, even when its call is malformed', () => {
    assert.deepEqual(run('transfer_to_human_agents', { summary: 's' }), {
      content: 'Transfer successful',
      error: false,
      endsConversation: true,
    });
    assert.deepEqual(run('transfer_to_human_agents', {}), {
      content: "Error: TransferToHumanAgents.invoke() missing 1 required positional argument: 'summary'",
      error: true,
      endsConversation: true,
    });
  });

  test('argument binding: unknown tool, missing and unexpected arguments, Python wording', () => {
    assert.equal(text('book_flight', {}), 'Unknown action book_flight');
    const { insurance: _i, cabin: _c, ...rest } = BOOK;
    assert.equal(
      text('book_reservation', rest),
      "Error: BookReservation.invoke() missing 2 required positional arguments: 'cabin' and 'insurance'",
    );
    assert.equal(
      text('get_reservation_details', { reservation_id: '07S7FC', user_id: MEI }),
      "Error: GetReservationDetails.invoke() got an unexpected keyword argument 'user_id'",
    );
  });

  test('search_direct_flight and search_onestop_flight: available flights of the day, in table order', () => {
    assert.equal(
      text('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-20' }),
      '[{"flight_number": "HAT069", "origin": "JFK", "destination": "SEA", "scheduled_departure_time_est": "06:00:00", "scheduled_arrival_time_est": "12:00:00", "status": "available", "available_seats": {"basic_economy": 17, "economy": 12, "business": 3}, "prices": {"basic_economy": 51, "economy": 121, "business": 239}}, {"flight_number": "HAT083", "origin": "JFK", "destination": "SEA", "scheduled_departure_time_est": "01:00:00", "scheduled_arrival_time_est": "07:00:00", "status": "available", "available_seats": {"basic_economy": 16, "economy": 7, "business": 3}, "prices": {"basic_economy": 87, "economy": 100, "business": 276}}]',
    );
    const onestop = text('search_onestop_flight', { origin: 'JFK', destination: 'SEA', date: '2024-05-20' });
    assert.equal(onestop.length, 2710);
    assert.equal(sha(onestop), '01ee9877b2e2f9146880fed80b50f169b0803be6707d401d8c26cbae1207dc6c');
    assert.equal(
      text('search_direct_flight', { origin: 'JFK', destination: 'XXX', date: '2024-05-20' }),
      '[]',
    );
    assert.equal(text('search_onestop_flight', { origin: 'JFK', destination: 'SEA', date: 5 }), '[]');
    assert.equal(
      text('search_direct_flight', { origin: 'JFK', destination: 'SEA', date: ['2024-05-20'] }),
      "Error: unhashable type: 'list'",
    );
  });

  test('book_reservation: HATHAT then HATHAU, gift card debited, certificate used up, user updated', () => {
    const first = run('book_reservation', BOOK);
    assert.equal(
      first.content,
      booked(
        'HATHAT',
        '{"payment_id": "gift_card_5309492", "amount": 98}, {"payment_id": "certificate_7502997", "amount": 100}, {"payment_id": "credit_card_2140654", "amount": 3}',
      ),
    );
    const prior = [call('book_reservation', BOOK)];
    const byCard = { ...BOOK, payment_methods: [{ payment_id: 'credit_card_2140654', amount: 201 }] };
    assert.equal(
      text('book_reservation', byCard, prior),
      booked('HATHAU', '{"payment_id": "credit_card_2140654", "amount": 201}'),
    );
    assert.equal(
      text('get_user_details', { user_id: MEI }, [...prior, call('book_reservation', byCard)]),
      MEI_HEAD +
        '"payment_methods": {"gift_card_5309492": {"source": "gift_card", "amount": 0, "id": "gift_card_5309492"}, "credit_card_2140654": {"source": "credit_card", "brand": "mastercard", "last_four": "1698", "id": "credit_card_2140654"}, "certificate_3321326": {"source": "certificate", "amount": 250, "id": "certificate_3321326"}, "credit_card_6082923": {"source": "credit_card", "brand": "visa", "last_four": "3202", "id": "credit_card_6082923"}}' +
        MEI_TAIL +
        ', "HATHAT", "HATHAU"]}',
    );
    // The base DB is untouched: a branch without the bookings sees the original user.
    assert.equal(text('get_user_details', { user_id: MEI }), `${MEI_HEAD}${MEI_METHODS}${MEI_TAIL}]}`);
    // Arguments as the model's text: 201.0 stays a float, as Python's json.loads keeps it.
    const asText = JSON.stringify(byCard).replace('"amount":201', '"amount":201.0');
    assert.equal(
      text('book_reservation', asText),
      booked('HATHAT', '{"payment_id": "credit_card_2140654", "amount": 201.0}'),
    );
  });

  test('book_reservation errors, in τ-bench order and words', () => {
    const b = (over: Record<string, unknown>) => text('book_reservation', { ...BOOK, ...over });
    const pax = BOOK.passengers[0];
    assert.equal(b({ user_id: 'nobody' }), 'Error: user not found');
    assert.equal(
      b({ flights: [{ flight_number: 'HAT999', date: '2024-05-20' }] }),
      'Error: flight HAT999 not found',
    );
    assert.equal(
      b({ flights: [{ flight_number: 'HAT069', date: '2024-06-20' }] }),
      'Error: flight HAT069 not found on date 2024-06-20',
    );
    assert.equal(
      b({ flights: [{ flight_number: 'HAT069', date: '2024-05-01' }] }),
      'Error: flight HAT069 not available on date 2024-05-01',
    );
    assert.equal(
      b({ cabin: 'business', passengers: [pax, pax, pax, pax] }),
      'Error: not enough seats on flight HAT069',
    );
    assert.equal(b({ cabin: 'first' }), "Error: 'first'");
    assert.equal(
      b({
        payment_methods: [
          { payment_id: 'gift_card_5309492', amount: 99 },
          { payment_id: 'credit_card_2140654', amount: 102 },
        ],
      }),
      'Error: not enough balance in payment method gift_card_5309492',
    );
    assert.equal(
      b({ payment_methods: [{ payment_id: 'credit_card_0', amount: 201 }] }),
      'Error: payment method credit_card_0 not found',
    );
    assert.equal(
      b({ payment_methods: [{ payment_id: 'credit_card_2140654', amount: 200.5 }] }),
      'Error: payment amount does not add up, total price is 201, but paid 200.5',
    );
    assert.equal(b({ flights: [{ flight_number: 'HAT069' }] }), "Error: 'date'");
    assert.equal(b({ user_id: ['x'] }), "Error: unhashable type: 'list'");
    assert.equal(b({ nonfree_baggages: '1' }), "Error: unsupported operand type(s) for +=: 'int' and 'str'");
  });

  test('book_reservation: a certificate named twice is deleted, then KeyError stops the booking', () => {
    const dup = {
      ...BOOK,
      insurance: 'no',
      nonfree_baggages: 0,
      total_baggages: 0,
      payment_methods: [
        { payment_id: 'certificate_7502997', amount: 60 },
        { payment_id: 'certificate_7502997', amount: 61 },
      ],
    };
    assert.equal(text('book_reservation', dup), "Error: 'certificate_7502997'");
    const prior = [call('book_reservation', dup)];
    // As in τ-bench, the certificate is gone although nothing was booked.
    assert.equal(
      text('get_user_details', { user_id: MEI }, prior),
      MEI_HEAD + MEI_METHODS.replace(/"certificate_7502997": \{[^}]*\}, /, '') + MEI_TAIL + ']}',
    );
    assert.equal(
      text('get_reservation_details', { reservation_id: 'HATHAT' }, prior),
      'Error: user not found',
    );
  });

  test('a fourth booking replaces HATHAV; an odd stored value fails later as Python does, after its writes', () => {
    const byCard = { ...BOOK, payment_methods: [{ payment_id: 'credit_card_2140654', amount: 201 }] };
    const four = [1, 2, 3].map(() => call('book_reservation', byCard));
    assert.ok(text('book_reservation', byCard, four).startsWith('{"reservation_id": "HATHAV"'));
    assert.ok(
      text('get_user_details', { user_id: MEI }, [...four, call('book_reservation', byCard)]).endsWith(
        '"1AKIA8", "HATHAT", "HATHAU", "HATHAV", "HATHAV"]}',
      ),
    );
    // Nothing to pay, so an empty str passes as the payment methods and is stored as the history.
    const odd = call('book_reservation', {
      ...BOOK,
      flights: [],
      insurance: 'no',
      nonfree_baggages: 0,
      payment_methods: '',
    });
    assert.ok(text(odd.name, odd.arguments).includes('"flights": [], "passengers"'));
    assert.equal(
      text('cancel_reservation', { reservation_id: 'HATHAT' }, [odd]),
      "Error: 'str' object has no attribute 'extend'",
    );
    const bags = call('update_reservation_baggages', {
      reservation_id: 'HATHAT',
      total_baggages: 1,
      nonfree_baggages: 1,
      payment_id: 'credit_card_2140654',
    });
    assert.equal(text(bags.name, bags.arguments, [odd]), "Error: 'str' object has no attribute 'append'");
    // The bag counts were written before the append failed, as in τ-bench.
    assert.ok(
      text('get_reservation_details', { reservation_id: 'HATHAT' }, [odd, bags]).endsWith(
        '"payment_history": "", "created_at": "2024-05-15T15:00:00", "total_baggages": 1, "nonfree_baggages": 1, "insurance": "no"}',
      ),
    );
  });

  test('cancel_reservation: every payment refunded by a negative entry, status cancelled', () => {
    const out = text('cancel_reservation', { reservation_id: 'R9QDGB' });
    assert.ok(
      out.endsWith(
        '"payment_history": [{"payment_id": "credit_card_6082923", "amount": 1911}, {"payment_id": "credit_card_6082923", "amount": -1911}], "created_at": "2024-05-01T00:33:44", "total_baggages": 0, "nonfree_baggages": 0, "insurance": "yes", "status": "cancelled"}',
      ),
    );
    assert.equal(text('cancel_reservation', { reservation_id: 'NOPE' }), 'Error: reservation not found');
    // Cancelling twice refunds the refunds too (τ-bench does not check the status).
    const twice = text('cancel_reservation', { reservation_id: 'R9QDGB' }, [
      call('cancel_reservation', { reservation_id: 'R9QDGB' }),
    ]);
    assert.match(
      twice,
      /"amount": 1911\}, \{[^}]*"amount": -1911\}, \{[^}]*"amount": -1911\}, \{[^}]*"amount": 1911\}\]/,
    );
  });

  test('update_reservation_baggages: payment checks, then the new counts (no charge when no extra bag)', () => {
    const bags = (over: Record<string, unknown>) =>
      text('update_reservation_baggages', { reservation_id: '07S7FC', total_baggages: 5, ...over });
    assert.equal(
      bags({ nonfree_baggages: 2, payment_id: 'gift_card_5309492' }),
      'Error: gift card balance is not enough',
    );
    assert.equal(
      bags({ nonfree_baggages: 3, payment_id: 'certificate_7502997' }),
      'Error: certificate cannot be used to update reservation',
    );
    assert.equal(bags({ nonfree_baggages: 0, payment_id: 'paypal_1' }), 'Error: payment method not found');
    assert.equal(
      text(
        'update_reservation_baggages',
        '{"reservation_id": "07S7FC", "total_baggages": 1, "nonfree_baggages": 0.0, "payment_id": "credit_card_2140654"}',
      ),
      R07(R07_FLIGHTS, '').replace(
        '"total_baggages": 3, "nonfree_baggages": 0,',
        '"total_baggages": 1, "nonfree_baggages": 0.0,',
      ),
    );
    const charged = bags({ nonfree_baggages: 1, payment_id: 'gift_card_5309492' });
    assert.ok(charged.includes('{"payment_id": "gift_card_5309492", "amount": 50}], "created_at"'));
    assert.ok(charged.includes('"total_baggages": 5, "nonfree_baggages": 1,'));
    const after = text('get_user_details', { user_id: MEI }, [
      call('update_reservation_baggages', {
        reservation_id: '07S7FC',
        total_baggages: 5,
        nonfree_baggages: 1,
        payment_id: 'gift_card_5309492',
      }),
    ]);
    assert.ok(
      after.includes('"gift_card_5309492": {"source": "gift_card", "amount": 48, "id": "gift_card_5309492"}'),
    );
  });

  test('update_reservation_flights: kept segments keep their price, the difference is paid or refunded', () => {
    const both = (date2: string) => [
      { flight_number: 'HAT286', date: '2024-05-28' },
      { flight_number: 'HAT175', date: date2 },
    ];
    const upd = (cabin: string, date2: string, payment_id: string, prior: TauCall[] = []) =>
      text(
        'update_reservation_flights',
        { reservation_id: '07S7FC', cabin, flights: both(date2), payment_id },
        prior,
      );
    assert.equal(
      upd('business', '2024-05-29', 'credit_card_2140654'),
      R07(
        '{"flight_number": "HAT286", "date": "2024-05-28", "price": 917, "origin": "IAH", "destination": "LAS"}, {"flight_number": "HAT175", "date": "2024-05-29", "price": 1112, "origin": "LAS", "destination": "IAH"}',
        '',
      ),
    );
    // Economy: both segments repriced; the cheaper itinerary refunds 3618 onto the gift card. The
    // cabin field itself is left as it was, as τ-bench leaves it.
    const economy = {
      reservation_id: '07S7FC',
      cabin: 'economy',
      flights: both('2024-05-29'),
      payment_id: 'gift_card_5309492',
    };
    const economyFlights =
      '{"flight_number": "HAT286", "date": "2024-05-28", "price": 105, "origin": "IAH", "destination": "LAS"}, {"flight_number": "HAT175", "date": "2024-05-29", "price": 115, "origin": "LAS", "destination": "IAH"}';
    assert.equal(
      text('update_reservation_flights', economy),
      R07(economyFlights, ', {"payment_id": "gift_card_5309492", "amount": -3618}'),
    );
    assert.equal(
      upd('business', '2024-05-29', 'certificate_7502997'),
      'Error: certificate cannot be used to update reservation',
    );
    const prior = [call('update_reservation_flights', economy)];
    const moved = upd('business', '2024-05-30', 'gift_card_5309492', prior);
    assert.ok(moved.includes('{"flight_number": "HAT175", "date": "2024-05-30", "price": 419,'));
    assert.ok(
      moved.endsWith(
        '{"payment_id": "gift_card_5309492", "amount": 608}], "created_at": "2024-05-04T05:12:00", "total_baggages": 3, "nonfree_baggages": 0, "insurance": "yes"}',
      ),
    );
    const user = text('get_user_details', { user_id: MEI }, [
      ...prior,
      call('update_reservation_flights', {
        reservation_id: '07S7FC',
        cabin: 'business',
        flights: both('2024-05-30'),
        payment_id: 'gift_card_5309492',
      }),
    ]);
    assert.ok(user.includes('"gift_card_5309492": {"source": "gift_card", "amount": 3108,'));
  });

  test('update_reservation_passengers: same number of passengers, replaced whole', () => {
    const pax = (passengers: unknown) =>
      text('update_reservation_passengers', { reservation_id: '07S7FC', passengers });
    assert.equal(
      pax([{ first_name: 'A', last_name: 'B', dob: '2000-01-01' }]),
      'Error: number of passengers does not match',
    );
    assert.equal(
      pax([
        { first_name: 'A', last_name: 'B', dob: '2000-01-01' },
        { first_name: 'Sophia', last_name: 'Jackson', dob: '1965-03-19' },
      ]),
      R07(R07_FLIGHTS, '').replace(
        '"passengers": [{"first_name": "Anya", "last_name": "Anderson", "dob": "1959-05-28"}',
        '"passengers": [{"first_name": "A", "last_name": "B", "dob": "2000-01-01"}',
      ),
    );
    assert.equal(pax(5), "Error: object of type 'int' has no len()");
  });

  test('send_certificate: ids 3221322, 3221323, 3221324, then None; the amount printed as Python prints it', () => {
    const prior: TauCall[] = [];
    // A string is the model's argument text (so 150.0 stays a float); the call is recorded as sent.
    const send = (amount: unknown) => {
      const args =
        typeof amount === 'string' ? `{"user_id": "${MEI}", "amount": ${amount}}` : { user_id: MEI, amount };
      const out = text('send_certificate', args, prior);
      prior.push({ name: 'send_certificate', arguments: args });
      return out;
    };
    assert.equal(send('150.0'), `Certificate certificate_3221322 added to user ${MEI} with amount 150.0.`);
    assert.equal(send(100), `Certificate certificate_3221323 added to user ${MEI} with amount 100.`);
    assert.equal(
      send([1, 'a']),
      `Certificate certificate_3221324 added to user ${MEI} with amount [1, 'a'].`,
    );
    assert.equal(send(5), 'None');
    assert.equal(text('send_certificate', { user_id: 'nobody', amount: 5 }), 'Error: user not found');
    assert.ok(
      text('get_user_details', { user_id: MEI }, prior).includes(
        '"certificate_3221322": {"source": "certificate", "amount": 150.0, "id": "certificate_3221322"}, "certificate_3221323": {"source": "certificate", "amount": 100, "id": "certificate_3221323"}, "certificate_3221324": {"source": "certificate", "amount": [1, "a"], "id": "certificate_3221324"}}',
      ),
    );
  });

  test('calculate: Python arithmetic, rounding and error texts', () => {
    const cases: [unknown, string][] = [
      ['2 * ((350 - 122) + (499 - 127))', '1200.0'],
      ['10/3', '3.33'],
      ['1/0', 'Error: division by zero'],
      ['7//-2', '-4.0'],
      ['2**-2', '0.25'],
      ['0.125', '0.12'],
      ['2.675', '2.67'],
      ['1e5', 'Error: invalid characters in expression'],
      ['(1 2)', 'Error: invalid syntax. Perhaps you forgot a comma? (<string>, line 1)'],
      ['(1+', "Error: '(' was never closed (<string>, line 1)"],
      ['1+)', "Error: unmatched ')' (<string>, line 1)"],
      [
        '05',
        'Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)',
      ],
      ['()', "Error: float() argument must be a string or a real number, not 'tuple'"],
      ['10**400', 'Error: int too large to convert to float'],
      ['100000000000000000000000/3', '3.333333333333333e+22'],
      ['-0.001', '-0.0'],
      ['0.1+0.2', '0.3'],
      [' 3*4', '12.0'],
      ['', 'Error: invalid syntax (<string>, line 0)'],
      ['(-8)**0.5', "Error: float() argument must be a string or a real number, not 'complex'"],
      ['2(3)', "Error: 'int' object is not callable"],
      [['1', '+'], 'Error: eval() arg 1 must be a string, bytes or code object'],
      [5, "Error: 'int' object is not iterable"],
      [['a'], 'Error: invalid characters in expression'],
      [[1], "Error: 'in <string>' requires string as left operand, not int"],
    ];
    for (const [expression, expected] of cases) {
      let got: string;
      try {
        got = calculate(expression as never);
      } catch (e) {
        assert.ok(e instanceof ToolError, String(e));
        got = `Error: ${e.message}`;
      }
      assert.equal(got, expected, JSON.stringify(expression));
      assert.equal(text('calculate', { expression }), expected);
    }
  });
});

describe('airline state', () => {
  test("sibling branches never see each other's writes", () => {
    const trunk = [call('get_user_details', { user_id: MEI })];
    const left = [...trunk, call('cancel_reservation', { reservation_id: '07S7FC' })];
    const right = [...trunk, call('book_reservation', BOOK)];
    const detailsLeft = text('get_reservation_details', { reservation_id: '07S7FC' }, left);
    const detailsRight = text('get_reservation_details', { reservation_id: '07S7FC' }, right);
    assert.ok(detailsLeft.endsWith('"status": "cancelled"}'));
    assert.equal(detailsRight, R07(R07_FLIGHTS, ''));
    assert.equal(
      text('get_reservation_details', { reservation_id: 'HATHAT' }, left),
      'Error: user not found',
    );
    assert.ok(
      text('get_reservation_details', { reservation_id: 'HATHAT' }, right).startsWith(
        '{"reservation_id": "HATHAT"',
      ),
    );
    // A fresh cache rebuilds the same states.
    clearStateCache();
    assert.equal(text('get_reservation_details', { reservation_id: '07S7FC' }, left), detailsLeft);
    assert.equal(text('get_reservation_details', { reservation_id: '07S7FC' }, right), detailsRight);
  });

  test('the same call sequence gives byte-identical returns in a fresh process', () => {
    const seq = [
      call('book_reservation', BOOK),
      call('update_reservation_baggages', {
        reservation_id: 'HATHAT',
        total_baggages: 3,
        nonfree_baggages: 2,
        payment_id: 'credit_card_2140654',
      }),
      call('send_certificate', { user_id: MEI, amount: 75.5 }),
      call('update_reservation_flights', {
        reservation_id: 'HATHAT',
        cabin: 'business',
        flights: [{ flight_number: 'HAT083', date: '2024-05-20' }],
        payment_id: 'certificate_3221322',
      }),
      call('cancel_reservation', { reservation_id: 'HATHAT' }),
      call('get_user_details', { user_id: MEI }),
    ];
    const here = seq.map((c, i) => run(c.name, c.arguments, seq.slice(0, i)).content);
    const script = [
      "const { airlineDomain, loadAirlineDb } = require('./src/env/tau/airline');",
      "const { executeWithPrior } = require('./src/env/tau/core/state');",
      "const { resolveDataDir } = require('./src/env/dataDir');",
      'const seq = JSON.parse(process.argv[1]);',
      'const db = loadAirlineDb(resolveDataDir());',
      'const out = seq.map((c, i) => executeWithPrior(airlineDomain, db, seq.slice(0, i), c.name, c.arguments).content);',
      'process.stdout.write(JSON.stringify(out));',
    ].join('\n');
    const root = path.resolve(__dirname, '..');
    const there = execFileSync(process.execPath, ['--import', 'tsx', '-e', script, JSON.stringify(seq)], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(there), here);
    assert.equal(here[3], 'Error: certificate cannot be used to update reservation');
  });
});
