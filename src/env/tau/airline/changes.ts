// The tools that change an existing reservation: cancel it, or update its baggage, flights or
// passengers. Each checks everything before it writes, except where τ-bench itself writes first;
// payments by gift card are debited (or credited, for a cheaper change) and recorded in the
// reservation's payment history; a certificate cannot pay for a change.
import type { DbView } from '../core/db';
import { deepClone, pyDumps, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError, type ToolArgs, type ToolSpec } from '../core/types';
import { flightPrice } from './pricing';
import {
  dictHas,
  item,
  pyAdd,
  pyEq,
  pyIter,
  pyLen,
  pyLess,
  pyMaxZero,
  pyMul,
  pyMulInt,
  pyNeg,
  pyAppend,
  pyExtend,
  pySub,
  pySum,
  type PyNum,
} from './py';
import { dictItem, record, tableHas, writable } from './records';

const BAG_PRICE = 50;
const TOOLS = 'tau_bench.envs.airline.tools';

function reservationOf(db: DbView, id: PyValue): PyDict {
  if (!tableHas(db, 'reservations', id)) throw new ToolError('reservation not found');
  return record(db, 'reservations', id);
}

function cancelReservation(db: DbView, a: ToolArgs): string {
  const reservation = reservationOf(db, a.reservation_id);
  // Every payment is reversed by a negative entry; the refunds are built before anything changes.
  const refunds = pyIter(item(reservation, 'payment_history')).map(
    (p): PyValue =>
      new Map<string, PyValue>([
        ['payment_id', item(p, 'payment_id')],
        ['amount', pyNeg(item(p, 'amount'))],
      ]),
  );
  const written = writable(db, 'reservations', a.reservation_id as string);
  pyExtend(item(written, 'payment_history'), refunds);
  written.set('status', 'cancelled');
  return pyDumps(written);
}

/** The user's payment method for a change: it must exist and not be a certificate, and a gift card
 * must cover `total` (a negative total, a refund, always passes). */
function changePayment(db: DbView, reservation: PyDict, paymentId: PyValue, total: PyNum): string {
  const user = record(db, 'users', item(reservation, 'user_id'));
  const methods = dictItem(user, 'payment_methods');
  if (!dictHas(methods, paymentId)) throw new ToolError('payment method not found');
  const method = dictItem(methods, paymentId);
  const source = item(method, 'source');
  if (source === 'certificate') throw new ToolError('certificate cannot be used to update reservation');
  if (source === 'gift_card' && pyLess(item(method, 'amount'), total))
    throw new ToolError('gift card balance is not enough');
  return paymentId;
}

/** Debits a gift card by `total` (the only source with a balance); others are charged outside. */
function debit(db: DbView, reservation: PyDict, paymentId: string, total: PyNum): void {
  const userId = item(reservation, 'user_id') as string;
  const method = dictItem(dictItem(record(db, 'users', userId), 'payment_methods'), paymentId);
  if (item(method, 'source') !== 'gift_card') return;
  const owned = dictItem(dictItem(writable(db, 'users', userId), 'payment_methods'), paymentId);
  owned.set('amount', pySub(item(owned, 'amount'), total, true));
}

function recordPayment(reservation: PyDict, paymentId: string, total: PyNum): void {
  if (pyEq(total, 0)) return;
  const entry = new Map<string, PyValue>([
    ['payment_id', paymentId],
    ['amount', total],
  ]);
  pyAppend(item(reservation, 'payment_history'), entry);
}

function updateBaggages(db: DbView, a: ToolArgs): string {
  const reservation = reservationOf(db, a.reservation_id);
  // Only bags beyond those already paid for cost money; fewer bags refund nothing.
  const extra = pyMaxZero(pySub(a.nonfree_baggages, item(reservation, 'nonfree_baggages')));
  const total = pyMulInt(BAG_PRICE, extra) as PyNum;
  const paymentId = changePayment(db, reservation, a.payment_id, total);
  const written = writable(db, 'reservations', a.reservation_id as string);
  written.set('total_baggages', a.total_baggages);
  written.set('nonfree_baggages', a.nonfree_baggages);
  debit(db, written, paymentId, total);
  recordPayment(written, paymentId, total);
  return pyDumps(written);
}

function updateFlights(db: DbView, a: ToolArgs): string {
  const reservation = reservationOf(db, a.reservation_id);
  const passengers = (): number => pyLen(item(reservation, 'passengers'));
  const flights = deepClone(a.flights);
  let total: PyNum = 0;
  for (const segment of pyIter(flights)) {
    // A segment the reservation already has, in the same cabin, keeps the price it was booked at.
    const kept = pyIter(item(reservation, 'flights')).filter(
      (f) =>
        pyEq(item(f, 'flight_number'), item(segment, 'flight_number')) &&
        pyEq(item(f, 'date'), item(segment, 'date')) &&
        pyEq(a.cabin, item(reservation, 'cabin')),
    );
    if (kept.length > 0) {
      const price = item(kept[0], 'price');
      total = pyAdd(total, pyMul(price, passengers()), true);
      const written = segment as PyDict;
      written.set('price', price);
      written.set('origin', item(kept[0], 'origin'));
      written.set('destination', item(kept[0], 'destination'));
      continue;
    }
    const price = flightPrice(db, segment, a.cabin, passengers);
    total = pyAdd(total, pyMul(price, passengers()), true);
  }
  const paidBefore = pySum(pyIter(item(reservation, 'flights')).map((f) => item(f, 'price')));
  total = pySub(total, pyMul(paidBefore, passengers()), true);

  const paymentId = changePayment(db, reservation, a.payment_id, total);
  const written = writable(db, 'reservations', a.reservation_id as string);
  debit(db, written, paymentId, total);
  // τ-bench keeps the reservation's cabin field as it was and leaves seat counts alone.
  written.set('flights', flights);
  recordPayment(written, paymentId, total);
  return pyDumps(written);
}

function updatePassengers(db: DbView, a: ToolArgs): string {
  const reservation = reservationOf(db, a.reservation_id);
  if (pyLen(a.passengers) !== pyLen(item(reservation, 'passengers')))
    throw new ToolError('number of passengers does not match');
  const written = writable(db, 'reservations', a.reservation_id as string);
  written.set('passengers', a.passengers);
  return pyDumps(written);
}

export const cancelReservationTool: ToolSpec = {
  pyClass: `${TOOLS}.cancel_reservation.CancelReservation`,
  params: ['reservation_id'],
  run: cancelReservation,
};

export const updateReservationBaggagesTool: ToolSpec = {
  pyClass: `${TOOLS}.update_reservation_baggages.UpdateReservationBaggages`,
  params: ['reservation_id', 'total_baggages', 'nonfree_baggages', 'payment_id'],
  run: updateBaggages,
};

export const updateReservationFlightsTool: ToolSpec = {
  pyClass: `${TOOLS}.update_reservation_flights.UpdateReservationFlights`,
  params: ['reservation_id', 'cabin', 'flights', 'payment_id'],
  run: updateFlights,
};

export const updateReservationPassengersTool: ToolSpec = {
  pyClass: `${TOOLS}.update_reservation_passengers.UpdateReservationPassengers`,
  params: ['reservation_id', 'passengers'],
  run: updatePassengers,
};
