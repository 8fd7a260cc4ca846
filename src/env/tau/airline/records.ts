// Reading the airline tables the way τ-bench's tools index their dicts: an id from the agent may be
// any JSON value (a list is unhashable and raises; a number is simply not found), and a record the
// tool writes is first taken into the branch's view (`db.mutable`), never modified where it lies.
import type { DbView } from '../core/db';
import { isDict, pyTypeName, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError } from '../core/types';
import { hashable, item, pyRepr } from './py';

export type Table = 'flights' | 'reservations' | 'users';

/** `key in data[table]`. */
export function tableHas(db: DbView, table: Table, key: PyValue): key is string {
  hashable(key);
  return typeof key === 'string' && db.has(table, key);
}

/** `data[table][key]` for reading (a KeyError names the key, as Python's does). */
export function record(db: DbView, table: Table, key: PyValue): PyDict {
  if (!tableHas(db, table, key)) throw new ToolError(pyRepr(key));
  return asDict(db.get(table, key));
}

/** The record, taken into this branch's state to be modified in place. */
export function writable(db: DbView, table: Table, key: string): PyDict {
  return asDict(db.mutable(table, key));
}

/** `record[key]` that must be a dict for what follows (a DB record's nested object). */
export function dictItem(container: PyValue | undefined, key: string): PyDict {
  return asDict(item(container, key));
}

function asDict(v: PyValue | undefined): PyDict {
  // The DB's records are objects; a record an agent's call stored oddly fails where Python would.
  if (!isDict(v)) throw new ToolError(`'${pyTypeName(v)}' object is not subscriptable`);
  return v;
}
