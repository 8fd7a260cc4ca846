// book_reservation: a new reservation for a user, priced from the flights table, paid by the
// user's payment methods (gift cards are debited, a certificate is used up whole). τ-bench names
// the new reservation HATHAT, then HATHAU, then HATHAV (a task books at most three; a fourth
// booking replaces HATHAV), and stamps it created at 2024-05-15T15:00:00, the benchmark's "now":
// both fixed, so a replay always produces the same record.
import type { DbView } from '../core/db';
import { deepClone, pyDumps, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError, type ToolArgs, type ToolSpec } from '../core/types';
import { flightPrice } from './pricing';
import {
  dictHas,
  item,
  pyAdd,
  pyAppend,
  pyEq,
  pyFormat,
  pyIter,
  pyLen,
  pyLess,
  pyMul,
  pyMulInt,
  pySub,
  pySum,
  type PyNum,
} from './py';
import { dictItem, record, tableHas, writable } from './records';

const NEW_IDS = ['HATHAT', 'HATHAU', 'HATHAV'];
const CREATED_AT = '2024-05-15T15:00:00';
const INSURANCE_PER_PASSENGER = 30;
const BAG_PRICE = 50;

function newReservationId(db: DbView): string {
  return NEW_IDS.find((id) => !db.has('reservations', id)) ?? NEW_IDS[NEW_IDS.length - 1];
}

function bookReservation(db: DbView, a: ToolArgs): string {
  if (!tableHas(db, 'users', a.user_id)) throw new ToolError('user not found');
  const userId = a.user_id;
  const user = record(db, 'users', userId);
  const reservationId = newReservationId(db);
  const flights = deepClone(a.flights);
  const reservation: PyDict = new Map<string, PyValue>([
    ['reservation_id', reservationId],
    ['user_id', userId],
    ['origin', a.origin],
    ['destination', a.destination],
    ['flight_type', a.flight_type],
    ['cabin', a.cabin],
    ['flights', flights],
    ['passengers', a.passengers],
    ['payment_history', a.payment_methods],
    ['created_at', CREATED_AT],
    ['total_baggages', a.total_baggages],
    ['nonfree_baggages', a.nonfree_baggages],
    ['insurance', a.insurance],
  ]);

  let total: PyNum = 0;
  for (const flight of pyIter(flights)) {
    const price = flightPrice(db, flight, a.cabin, () => pyLen(a.passengers));
    total = pyAdd(total, pyMul(price, pyLen(a.passengers)), true);
  }
  if (pyEq(a.insurance, 'yes')) total = pyAdd(total, INSURANCE_PER_PASSENGER * pyLen(a.passengers), true);
  total = pyAdd(total, pyMulInt(BAG_PRICE, a.nonfree_baggages), true);

  const methods = pyIter(a.payment_methods);
  for (const payment of methods) {
    const paymentId = item(payment, 'payment_id');
    const amount = item(payment, 'amount');
    const owned = dictItem(user, 'payment_methods');
    if (!dictHas(owned, paymentId)) throw new ToolError(`payment method ${pyFormat(paymentId)} not found`);
    const method = dictItem(owned, paymentId);
    const source = item(method, 'source');
    if ((source === 'gift_card' || source === 'certificate') && pyLess(item(method, 'amount'), amount))
      throw new ToolError(`not enough balance in payment method ${pyFormat(paymentId)}`);
  }
  const paid = (): PyNum => pySum(methods.map((p) => item(p, 'amount')));
  if (!pyEq(paid(), total))
    throw new ToolError(
      `payment amount does not add up, total price is ${pyFormat(total)}, but paid ${pyFormat(paid())}`,
    );

  // Checks passed: charge. A certificate named twice is gone the second time, and Python's
  // KeyError then stops the booking with the charges so far already made; so does this loop.
  const payer = writable(db, 'users', userId);
  const payerMethods = dictItem(payer, 'payment_methods');
  for (const payment of methods) {
    const paymentId = item(payment, 'payment_id') as string;
    const method = dictItem(payerMethods, paymentId);
    const source = item(method, 'source');
    if (source === 'gift_card')
      method.set('amount', pySub(item(method, 'amount'), item(payment, 'amount'), true));
    else if (source === 'certificate') payerMethods.delete(paymentId);
  }
  db.set('reservations', reservationId, reservation);
  pyAppend(item(payer, 'reservations'), reservationId);
  return pyDumps(reservation);
}

export const bookReservationTool: ToolSpec = {
  pyClass: 'tau_bench.envs.airline.tools.book_reservation.BookReservation',
  params: [
    'user_id',
    'origin',
    'destination',
    'flight_type',
    'cabin',
    'flights',
    'passengers',
    'payment_methods',
    'total_baggages',
    'nonfree_baggages',
    'insurance',
  ],
  run: bookReservation,
};
