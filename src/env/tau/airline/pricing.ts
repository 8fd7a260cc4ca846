// Pricing one flight segment from the flights table, as book_reservation and
// update_reservation_flights both do: the flight must exist, fly on that date, be open for booking
// ("available") and have a seat in the cabin for every passenger. The segment then gets its
// price, origin and destination written into it (the reservation stores them).
import type { DbView } from '../core/db';
import type { PyDict, PyValue } from '../core/pyjson';
import { ToolError } from '../core/types';
import { dictHas, item, lookup, pyFormat, pyLess } from './py';
import { dictItem, record, tableHas } from './records';

/** Prices `segment` (an element of the agent's flights list) in `cabin`; returns the price per
 * passenger. `passengers` is called where τ-bench evaluates `len(passengers)`. */
export function flightPrice(db: DbView, segment: PyValue, cabin: PyValue, passengers: () => number): PyValue {
  const flightNumber = item(segment, 'flight_number');
  if (!tableHas(db, 'flights', flightNumber))
    throw new ToolError(`flight ${pyFormat(flightNumber)} not found`);
  const flight = record(db, 'flights', flightNumber);
  const dates = dictItem(flight, 'dates');
  const date = item(segment, 'date');
  if (!dictHas(dates, date))
    throw new ToolError(`flight ${flightNumber} not found on date ${pyFormat(item(segment, 'date'))}`);
  const onDate = dictItem(dates, date);
  if (item(onDate, 'status') !== 'available')
    throw new ToolError(`flight ${flightNumber} not available on date ${date}`);
  if (pyLess(lookup(dictItem(onDate, 'available_seats'), cabin), passengers()))
    throw new ToolError(`not enough seats on flight ${flightNumber}`);
  const price = lookup(dictItem(onDate, 'prices'), cabin);
  // item() above succeeded, so the segment is a dict.
  const written = segment as PyDict;
  written.set('price', price);
  written.set('origin', item(flight, 'origin'));
  written.set('destination', item(flight, 'destination'));
  return price;
}
