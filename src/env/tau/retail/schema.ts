// What τ-bench retail's tools read of its three tables (both layouts: v1's files and τ²'s db.json),
// checked when the DB is loaded: a record missing one of these fields, or holding it with another
// JSON type, would otherwise crash a tool (or the golden replay that decides solvability).
import { isDict, type PyDict } from '../core/pyjson';
import { bool, dictOf, list, number, optional, record, ShapeError, str, type DbSchema } from '../core/schema';

const order = record({
  user_id: str,
  status: str,
  items: list(record({ item_id: str, product_id: str, price: number })),
  // The return and payment-change tools read the first payment.
  payment_history: list(record({ transaction_type: str, amount: number, payment_method_id: str }), true),
});

const product = record({
  name: str,
  product_id: str,
  variants: dictOf(record({ available: bool, price: number, options: record({}) })),
});

const paymentMethod = record({ source: str }, (m, at) => {
  // Gift cards are debited and refunded; τ² writes `"balance": null` on the other sources.
  if (m.get('source') === 'gift_card') number(m.get('balance'), `${at}.balance`);
  else optional(number)(m.get('balance'), `${at}.balance`);
});

const user = record({
  email: str,
  name: record({ first_name: str, last_name: str }),
  address: record({}),
  payment_methods: dictOf(paymentMethod),
});

export const RETAIL_SCHEMA: DbSchema = {
  tables: {
    orders: { holds: 'order records keyed by order id', record: order },
    products: { holds: 'product records keyed by product id', record: product },
    users: { holds: 'user records keyed by user id', record: user },
  },
  references(tables, refuse) {
    const users = tables.get('users')!;
    const products = tables.get('products')!;
    const bad = (at: string, expected: string, value: string): never =>
      refuse('orders', new ShapeError(at, expected, value));
    for (const [id, o] of tables.get('orders')!) {
      // Each record already has its shape (checked table by table first).
      const ord = o as PyDict;
      const userId = ord.get('user_id') as string;
      const u = users.get(userId);
      if (!isDict(u)) return bad(`${id}.user_id`, 'the id of a user in the users table', userId);
      (ord.get('items') as Map<string, string>[]).forEach((item, i) => {
        const productId = item.get('product_id')!;
        if (!products.has(productId))
          bad(`${id}.items[${i}].product_id`, 'the id of a product in the products table', productId);
      });
      const methods = u.get('payment_methods') as Map<string, unknown>;
      (ord.get('payment_history') as Map<string, string>[]).forEach((payment, i) => {
        const methodId = payment.get('payment_method_id')!;
        if (!methods.has(methodId))
          bad(
            `${id}.payment_history[${i}].payment_method_id`,
            `a payment method of user ${userId} in the users table`,
            methodId,
          );
      });
    }
  },
};
