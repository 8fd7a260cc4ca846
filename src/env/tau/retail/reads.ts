// τ-bench retail's read-only tools: look a user up, show a user / order / product, list the
// product types, and the three that touch nothing (calculate, think, transfer). Returned texts are
// τ-bench's: `json.dumps` of the record, a bare user id, or `Error: ...`.
import type { DbView } from '../core/db';
import { compareCodePoints, pyDumps, type PyDict, type PyValue } from '../core/pyjson';
import { ToolError } from '../core/types';
import { dict, field, lower, lookupKey } from './py';

function show(db: DbView, table: string, id: PyValue, what: string): string {
  const key = lookupKey(id);
  const record = key === undefined ? undefined : db.get(table, key);
  if (record === undefined) throw new ToolError(`${what} not found`);
  return pyDumps(record);
}

export const getUserDetails = (db: DbView, a: { user_id: PyValue }): string =>
  show(db, 'users', a.user_id, 'user');

export const getOrderDetails = (db: DbView, a: { order_id: PyValue }): string =>
  show(db, 'orders', a.order_id, 'order');

export const getProductDetails = (db: DbView, a: { product_id: PyValue }): string =>
  show(db, 'products', a.product_id, 'product');

export function findUserIdByEmail(db: DbView, a: { email: PyValue }): string {
  for (const [id, profile] of db.entries('users')) {
    // Python lowers both sides on every comparison: a non-string email fails on the first user.
    if (lower(field(profile, 'email')) === lower(a.email)) return id;
  }
  throw new ToolError('user not found');
}

export function findUserIdByNameZip(
  db: DbView,
  a: { first_name: PyValue; last_name: PyValue; zip: PyValue },
): string {
  for (const [id, profile] of db.entries('users')) {
    const name = dict(field(profile, 'name'));
    // `and` short-circuits: the last name is only lowered once a first name matched.
    if (
      lower(name.get('first_name') as PyValue) === lower(a.first_name) &&
      lower(name.get('last_name') as PyValue) === lower(a.last_name) &&
      dict(field(profile, 'address')).get('zip') === a.zip
    ) {
      return id;
    }
  }
  throw new ToolError('user not found');
}

export function listAllProductTypes(db: DbView): string {
  const byName = new Map<string, PyValue>();
  for (const [, product] of db.entries('products')) {
    const p = dict(product);
    byName.set(p.get('name') as string, p.get('product_id') as PyValue);
  }
  const sorted: PyDict = new Map([...byName].sort((x, y) => compareCodePoints(x[0], y[0])));
  return pyDumps(sorted);
}
