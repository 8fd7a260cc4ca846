// Flight search: direct flights between two airports on a date, and one-stop connections. Only
// flights whose status that day is "available" are offered; a result is the flight's fixed data
// followed by that day's status, seats and prices. The flights table is never written by any airline
// tool, so the (origin, destination) index over the loaded table stays valid for every branch.
import type { BaseDb, DbView } from '../core/db';
import { isDict, pyDumps, pyTypeName, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError, type ToolArgs, type ToolSpec } from '../core/types';
import { dictHas, item, pyInt } from './py';
import { dictItem } from './records';

const TOOLS = 'tau_bench.envs.airline.tools';

/** Flight numbers by "origin destination", in table order, per loaded DB. */
const routeIndex = new WeakMap<BaseDb, Map<string, string[]>>();

function routes(db: DbView): Map<string, string[]> {
  let index = routeIndex.get(db.base);
  if (!index) {
    index = new Map();
    for (const [id, flight] of db.base.tables.get('flights') ?? new Map<string, PyValue>()) {
      const key = routeKey(item(flight, 'origin'), item(flight, 'destination'));
      if (key === undefined) continue;
      const list = index.get(key);
      if (list) list.push(id);
      else index.set(key, [id]);
    }
    routeIndex.set(db.base, index);
  }
  return index;
}

/** A route's key; only str airports can equal the table's str airports. */
function routeKey(origin: PyValue, destination: PyValue): string | undefined {
  return typeof origin === 'string' && typeof destination === 'string'
    ? `${origin}\n${destination}`
    : undefined;
}

function flightsOn(db: DbView, origin: PyValue, destination: PyValue): PyDict[] {
  const key = routeKey(origin, destination);
  const ids = key === undefined ? undefined : routes(db).get(key);
  return (ids ?? []).map((id) => db.get('flights', id) as PyDict);
}

/** The flight without its calendar, then one day's entry of it (`{**flight, **dates[day]}`). */
function offer(flight: PyDict, day: PyDict): PyDict {
  const out: PyDict = new Map();
  for (const [k, v] of flight) if (k !== 'dates') out.set(k, v);
  for (const [k, v] of day) out.set(k, v);
  return out;
}

function searchDirect(db: DbView, a: ToolArgs): string {
  const results: PyValue[] = [];
  for (const flight of flightsOn(db, a.origin, a.destination)) {
    const dates = dictItem(flight, 'dates');
    if (dictHas(dates, a.date) && item(dictItem(dates, a.date), 'status') === 'available')
      results.push(offer(flight, dictItem(dates, a.date)));
  }
  return pyDumps(results);
}

/** The connecting flight's date: the next day when the first leg lands after midnight ("+1"),
 * spelled as τ-bench spells it (May only, day not zero-padded). */
function connectionDate(first: PyDict, date: PyValue): PyValue {
  if (!String(item(first, 'scheduled_arrival_time_est')).includes('+1')) return date;
  return `2024-05-${pyInt(lastTwo(date)) + 1}`;
}

/** `date[-2:]` (a slice of a str or list; a dict cannot hash the slice; nothing else slices). */
function lastTwo(date: PyValue): PyValue {
  if (typeof date === 'string') return [...date].slice(-2).join('');
  if (Array.isArray(date)) return date.slice(-2);
  if (isDict(date)) throw new ToolError("unhashable type: 'slice'");
  throw new ToolError(`'${pyTypeName(date)}' object is not subscriptable`);
}

function searchOnestop(db: DbView, a: ToolArgs): string {
  const results: PyValue[] = [];
  if (typeof a.origin !== 'string' || typeof a.destination !== 'string') return pyDumps(results);
  for (const [, first] of db.entries('flights')) {
    if (item(first, 'origin') !== a.origin) continue;
    for (const second of flightsOn(db, item(first, 'destination'), a.destination)) {
      const date2 = connectionDate(first as PyDict, a.date);
      if (
        String(item(first, 'scheduled_arrival_time_est')) >
        String(item(second, 'scheduled_departure_time_est'))
      )
        continue;
      const dates1 = dictItem(first, 'dates');
      const dates2 = dictItem(second, 'dates');
      if (!dictHas(dates1, a.date) || !dictHas(dates2, date2)) continue;
      if (item(dictItem(dates1, a.date), 'status') !== 'available') continue;
      if (item(dictItem(dates2, date2), 'status') !== 'available') continue;
      const leg1 = offer(first as PyDict, dictItem(dates1, a.date));
      leg1.set('date', a.date);
      // τ-bench fills the second leg from its entry for the FIRST leg's date (not date2); a
      // missing entry raises KeyError there, as it does in τ-bench.
      const leg2 = offer(second, dictItem(dates2, a.date as string));
      leg2.set('date', date2);
      results.push([leg1, leg2]);
    }
  }
  return pyDumps(results);
}

export const searchDirectFlightTool: ToolSpec = {
  pyClass: `${TOOLS}.search_direct_flight.SearchDirectFlight`,
  params: ['origin', 'destination', 'date'],
  run: searchDirect,
};

export const searchOnestopFlightTool: ToolSpec = {
  pyClass: `${TOOLS}.search_onestop_flight.SearchOnestopFlight`,
  params: ['origin', 'destination', 'date'],
  run: searchOnestop,
};
