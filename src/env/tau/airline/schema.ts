// What τ-bench airline's tools read of its three tables, checked when the DB is loaded. The tools
// themselves answer a malformed record as Python would (a KeyError's text), which the golden
// replay would count against the task: a broken data file is said once, naming the record and the
// field, instead of marking tasks unsolvable one by one.
import { isDict } from '../core/pyjson';
import { dictOf, list, number, present, record, ShapeError, str, type DbSchema } from '../core/schema';

const flight = record({
  origin: str,
  destination: str,
  scheduled_departure_time_est: str,
  scheduled_arrival_time_est: str,
  dates: dictOf(
    record({ status: str }, (day, at) => {
      if (day.get('status') !== 'available') return;
      dictOf(number)(day.get('available_seats'), `${at}.available_seats`);
      dictOf(number)(day.get('prices'), `${at}.prices`);
    }),
  ),
});

const reservation = record({
  user_id: str,
  cabin: str,
  flights: list(record({ flight_number: str, date: str, price: number, origin: str, destination: str })),
  passengers: list(present),
  payment_history: list(record({ payment_id: str, amount: number })),
  nonfree_baggages: number,
});

const paymentMethod = record({ source: str }, (m, at) => {
  // Gift cards and certificates carry a balance the booking tools check and debit.
  const source = m.get('source');
  if (source === 'gift_card' || source === 'certificate') number(m.get('amount'), `${at}.amount`);
});

const user = record({ payment_methods: dictOf(paymentMethod), reservations: list(str) });

export const AIRLINE_SCHEMA: DbSchema = {
  tables: {
    flights: { holds: 'flight records keyed by flight number', record: flight },
    reservations: { holds: 'reservation records keyed by reservation id', record: reservation },
    users: { holds: 'user records keyed by user id', record: user },
  },
  references(tables, refuse) {
    const users = tables.get('users')!;
    for (const [id, r] of tables.get('reservations')!) {
      const userId = isDict(r) ? (r.get('user_id') as string) : '';
      if (!users.has(userId))
        refuse(
          'reservations',
          new ShapeError(`${id}.user_id`, 'the id of a user in the users table', userId),
        );
    }
  },
};
