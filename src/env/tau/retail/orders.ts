// τ-bench retail's writing tools: cancel, modify (items, address, payment) a pending order,
// return or exchange items of a delivered order, change a user's address. The checks run in
// τ-bench's order (the first failing one names the error), amounts follow Python's arithmetic
// (`round(x, 2)` where τ-bench rounds, nowhere else), and a record is cloned into the branch's
// view only once every check has passed.
import type { DbView } from '../core/db';
import { deepClone, pyDumps, type PyDict, type PyValue } from '../core/pyjson';
import { pyAbs, pyAdd, pyLess, pyRound, pySub, type PyNum } from '../core/pymath';
import { ToolError } from '../core/types';
import { count, dict, field, fmt, iterate, lookupKey, sortedIds } from './py';

type Args = Record<string, PyValue>;

/** The order, or `Error: order not found`. */
function findOrder(db: DbView, orderId: PyValue): [string, PyDict] {
  const key = lookupKey(orderId);
  const order = key === undefined ? undefined : db.get('orders', key);
  if (order === undefined || key === undefined) throw new ToolError('order not found');
  return [key, dict(order)];
}

function requireStatus(order: PyDict, status: string, error: string): void {
  if (order.get('status') !== status) throw new ToolError(error);
}

function userOf(db: DbView, order: PyDict): [string, PyDict] {
  const id = order.get('user_id') as string;
  return [id, dict(db.get('users', id))];
}

/** The user's payment method, or `Error: payment method not found`. */
function paymentMethod(user: PyDict, id: PyValue): PyDict {
  const key = lookupKey(id);
  const methods = dict(user.get('payment_methods'));
  if (key === undefined || !methods.has(key)) throw new ToolError('payment method not found');
  return dict(methods.get(key));
}

function mutableUserMethod(db: DbView, userId: string, methodId: string): PyDict {
  const user = dict(db.mutable('users', userId));
  return dict(dict(user.get('payment_methods')).get(methodId));
}

/** Python's `len()`. */
function pyLen(v: PyValue): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'string') return [...v].length;
  if (v instanceof Map) return v.size;
  throw new ToolError(
    `object of type '${v === null ? 'NoneType' : typeof v === 'number' ? 'int' : typeof v}' has no len()`,
  );
}

/** Each requested id at most as often as the order holds it (duplicates allowed). */
function checkItemsPresent(order: PyDict, itemIds: PyValue, error: (id: PyValue) => string): PyValue[] {
  const all = (order.get('items') as PyValue[]).map((i) => field(i, 'item_id'));
  const ids = iterate(itemIds);
  for (const id of ids) if (count(ids, id) > count(all, id)) throw new ToolError(error(id));
  return ids;
}

function firstItem(order: PyDict, itemId: PyValue): PyDict {
  return dict((order.get('items') as PyValue[]).find((i) => field(i, 'item_id') === itemId));
}

/** The price difference of swapping each item for the new item of the same product (summed in
 * order, as Python's loop does), checking each new item exists and is available. */
function priceDifference(db: DbView, order: PyDict, ids: PyValue[], newIds: PyValue[]): PyNum {
  let diff: PyNum = 0;
  for (let i = 0; i < Math.min(ids.length, newIds.length); i++) {
    const item = firstItem(order, ids[i]);
    const variants = dict(field(db.get('products', item.get('product_id') as string), 'variants'));
    const key = lookupKey(newIds[i]);
    const variant = key === undefined ? undefined : variants.get(key);
    if (variant === undefined || !field(variant, 'available')) {
      throw new ToolError(`new item ${fmt(newIds[i])} not found or available`);
    }
    diff = pyAdd(diff, pySub(field(variant, 'price'), item.get('price') as PyValue));
  }
  return diff;
}

function checkSameCount(ids: PyValue, newIds: PyValue): void {
  if (pyLen(ids) !== pyLen(newIds)) throw new ToolError('the number of items to be exchanged should match');
}

export function cancelPendingOrder(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'pending', 'non-pending order cannot be cancelled');
  if (a.reason !== 'no longer needed' && a.reason !== 'ordered by mistake')
    throw new ToolError('invalid reason');
  const order = dict(db.mutable('orders', orderId));
  const refunds: PyValue[] = [];
  for (const payment of order.get('payment_history') as PyValue[]) {
    const methodId = field(payment, 'payment_method_id') as string;
    const amount = field(payment, 'amount');
    refunds.push(
      new Map<string, PyValue>([
        ['transaction_type', 'refund'],
        ['amount', amount],
        ['payment_method_id', methodId],
      ]),
    );
    if (methodId.includes('gift_card')) {
      // Gift cards are refunded at once.
      const method = mutableUserMethod(db, order.get('user_id') as string, methodId);
      method.set('balance', pyRound(pyAdd(method.get('balance') as PyValue, amount), 2));
    }
  }
  order.set('status', 'cancelled');
  order.set('cancel_reason', a.reason);
  (order.get('payment_history') as PyValue[]).push(...refunds);
  return pyDumps(order);
}

export function exchangeDeliveredOrderItems(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'delivered', 'non-delivered order cannot be exchanged');
  const ids = checkItemsPresent(found, a.item_ids, (id) => `${fmt(id)} not found`);
  checkSameCount(a.item_ids, a.new_item_ids);
  const newIds = iterate(a.new_item_ids);
  const diff = pyRound(priceDifference(db, found, ids, newIds), 2);
  const [, user] = userOf(db, found);
  const method = paymentMethod(user, a.payment_method_id);
  if (method.get('source') === 'gift_card' && pyLess(method.get('balance') as PyValue, diff)) {
    throw new ToolError('insufficient gift card balance to pay for the price difference');
  }
  const order = dict(db.mutable('orders', orderId));
  order.set('status', 'exchange requested');
  order.set('exchange_items', sortedIds(ids));
  order.set('exchange_new_items', sortedIds(newIds));
  order.set('exchange_payment_method_id', a.payment_method_id);
  order.set('exchange_price_difference', diff);
  return pyDumps(order);
}

export function modifyPendingOrderItems(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'pending', 'non-pending order cannot be modified');
  const ids = checkItemsPresent(found, a.item_ids, (id) => `${fmt(id)} not found`);
  checkSameCount(a.item_ids, a.new_item_ids);
  const newIds = iterate(a.new_item_ids);
  const diff = priceDifference(db, found, ids, newIds); // not rounded here, unlike the exchange
  const [userId, user] = userOf(db, found);
  const method = paymentMethod(user, a.payment_method_id);
  const methodId = a.payment_method_id as string;
  if (method.get('source') === 'gift_card' && pyLess(method.get('balance') as PyValue, diff)) {
    throw new ToolError('insufficient gift card balance to pay for the new item');
  }
  const order = dict(db.mutable('orders', orderId));
  (order.get('payment_history') as PyValue[]).push(
    new Map<string, PyValue>([
      ['transaction_type', pyLess(0, diff) ? 'payment' : 'refund'],
      ['amount', pyAbs(diff)],
      ['payment_method_id', methodId],
    ]),
  );
  if (method.get('source') === 'gift_card') {
    const m = mutableUserMethod(db, userId, methodId);
    m.set('balance', pyRound(pySub(m.get('balance') as PyValue, diff), 2));
  }
  for (let i = 0; i < Math.min(ids.length, newIds.length); i++) {
    const item = firstItem(order, ids[i]);
    const variant = dict(
      dict(field(db.get('products', item.get('product_id') as string), 'variants')).get(newIds[i] as string),
    );
    item.set('item_id', newIds[i]);
    item.set('price', variant.get('price') as PyValue);
    item.set('options', deepClone(variant.get('options') as PyValue));
  }
  order.set('status', 'pending (item modified)');
  return pyDumps(order);
}

export function modifyPendingOrderPayment(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'pending', 'non-pending order cannot be modified');
  const [userId, user] = userOf(db, found);
  const method = paymentMethod(user, a.payment_method_id);
  const methodId = a.payment_method_id as string;
  const history = found.get('payment_history') as PyValue[];
  if (history.length > 1 || field(history[0], 'transaction_type') !== 'payment') {
    throw new ToolError('there should be exactly one payment for a pending order');
  }
  const oldId = field(history[0], 'payment_method_id') as string;
  if (oldId === methodId)
    throw new ToolError('the new payment method should be different from the current one');
  const amount = field(history[0], 'amount');
  if (method.get('source') === 'gift_card' && pyLess(method.get('balance') as PyValue, amount)) {
    throw new ToolError('insufficient gift card balance to pay for the order');
  }
  const order = dict(db.mutable('orders', orderId));
  (order.get('payment_history') as PyValue[]).push(
    new Map<string, PyValue>([
      ['transaction_type', 'payment'],
      ['amount', amount],
      ['payment_method_id', methodId],
    ]),
    new Map<string, PyValue>([
      ['transaction_type', 'refund'],
      ['amount', amount],
      ['payment_method_id', oldId],
    ]),
  );
  if (method.get('source') === 'gift_card') {
    const m = mutableUserMethod(db, userId, methodId);
    m.set('balance', pyRound(pySub(m.get('balance') as PyValue, amount), 2));
  }
  if (oldId.includes('gift_card')) {
    const m = mutableUserMethod(db, userId, oldId);
    m.set('balance', pyRound(pyAdd(m.get('balance') as PyValue, amount), 2));
  }
  return pyDumps(order);
}

function address(a: Args): PyDict {
  return new Map(['address1', 'address2', 'city', 'state', 'country', 'zip'].map((k) => [k, a[k]]));
}

export function modifyPendingOrderAddress(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'pending', 'non-pending order cannot be modified');
  const order = dict(db.mutable('orders', orderId));
  order.set('address', address(a));
  return pyDumps(order);
}

export function modifyUserAddress(db: DbView, a: Args): string {
  const key = lookupKey(a.user_id);
  if (key === undefined || !db.has('users', key)) throw new ToolError('user not found');
  const user = dict(db.mutable('users', key));
  user.set('address', address(a));
  return pyDumps(user);
}

export function returnDeliveredOrderItems(db: DbView, a: Args): string {
  const [orderId, found] = findOrder(db, a.order_id);
  requireStatus(found, 'delivered', 'non-delivered order cannot be returned');
  const [, user] = userOf(db, found);
  paymentMethod(user, a.payment_method_id);
  const methodId = a.payment_method_id as string;
  const original = field((found.get('payment_history') as PyValue[])[0], 'payment_method_id');
  if (!methodId.includes('gift_card') && methodId !== original) {
    throw new ToolError('payment method should be either the original payment method or a gift card');
  }
  const ids = checkItemsPresent(found, a.item_ids, () => 'some item not found');
  const order = dict(db.mutable('orders', orderId));
  order.set('status', 'return requested');
  order.set('return_items', sortedIds(ids));
  order.set('return_payment_method_id', methodId);
  return pyDumps(order);
}
