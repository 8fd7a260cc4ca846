// The retail records as the agent's tool calls return them, read leniently (a field it cannot
// read is simply unknown), and what its calls have found out so far in the conversation.
import { type Args, type Json, type TauEvent, num, obj, str, toolResults } from './transcript';

export interface Item {
  name: string;
  product_id: string;
  item_id: string;
  price: number;
  options: Record<string, string>;
}

export interface Order {
  order_id: string;
  status: string;
  items: Item[];
  paymentIds: string[];
  address?: Record<string, string>;
}

export interface Variant {
  item_id: string;
  options: Record<string, string>;
  available: boolean;
  price: number;
}

export interface Product {
  name: string;
  product_id: string;
  variants: Variant[];
}

export interface PaymentMethod {
  id: string;
  source: string;
  brand?: string;
  last_four?: string;
  balance?: number;
}

export interface UserRecord {
  userId: string;
  orders: string[];
  payments: PaymentMethod[];
}

export interface WriteDone {
  name: string;
  args: Args;
  ok: boolean;
  text: string;
  at: number;
}

export interface RetailKnowledge {
  userId?: string;
  /** Identity lookups made (their argument JSON), and whether the last one failed. */
  identityTried: Set<string>;
  lastIdentityFailed: boolean;
  user?: UserRecord;
  orders: Map<string, Order>;
  products: Map<string, Product>;
  /** Order lookups in the order they were made (event index). */
  orderLookups: { orderId: string; at: number }[];
  writes: WriteDone[];
  transferred: boolean;
}

export const WRITE_TOOLS = new Set([
  'cancel_pending_order',
  'return_delivered_order_items',
  'exchange_delivered_order_items',
  'modify_pending_order_items',
  'modify_pending_order_address',
  'modify_pending_order_payment',
  'modify_user_address',
]);

const strRecord = (v: Json | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v) ?? {}).map(([k, x]) => [k, str(x)]));

function readOrder(v: Json | undefined): Order | undefined {
  const o = obj(v);
  if (!o || typeof o.order_id !== 'string') return undefined;
  const items = (Array.isArray(o.items) ? o.items : []).flatMap((x) => {
    const it = obj(x);
    return it
      ? [
          {
            name: str(it.name),
            product_id: str(it.product_id),
            item_id: str(it.item_id),
            price: num(it.price),
            options: strRecord(it.options),
          },
        ]
      : [];
  });
  const history = Array.isArray(o.payment_history) ? o.payment_history : [];
  return {
    order_id: o.order_id,
    status: str(o.status),
    items,
    paymentIds: history.map((h) => str(obj(h)?.payment_method_id)).filter(Boolean),
    address: strRecord(o.address),
  };
}

function readProduct(v: Json | undefined): Product | undefined {
  const p = obj(v);
  if (!p || typeof p.product_id !== 'string') return undefined;
  const variants = Object.values(obj(p.variants) ?? {}).flatMap((x) => {
    const it = obj(x);
    return it
      ? [
          {
            item_id: str(it.item_id),
            options: strRecord(it.options),
            available: it.available === true,
            price: num(it.price),
          },
        ]
      : [];
  });
  return { name: str(p.name), product_id: p.product_id, variants };
}

function readUser(userId: string, v: Json | undefined): UserRecord | undefined {
  const u = obj(v);
  if (!u) return undefined;
  const payments = Object.values(obj(u.payment_methods) ?? {}).flatMap((x) => {
    const pm = obj(x);
    return pm
      ? [
          {
            id: str(pm.id),
            source: str(pm.source),
            brand: str(pm.brand) || undefined,
            last_four: str(pm.last_four) || undefined,
            balance: typeof pm.balance === 'number' ? pm.balance : undefined,
          },
        ]
      : [];
  });
  const orders = (Array.isArray(u.orders) ? u.orders : []).map(str).filter(Boolean);
  return { userId, orders, payments };
}

/** Everything the agent's own calls have found out, replayed from the events. */
export function retailKnowledge(events: TauEvent[]): RetailKnowledge {
  const k: RetailKnowledge = {
    identityTried: new Set(),
    lastIdentityFailed: false,
    orders: new Map(),
    products: new Map(),
    orderLookups: [],
    writes: [],
    transferred: false,
  };
  for (const { name, args, text, failed, value, at } of toolResults(events)) {
    switch (name) {
      case 'find_user_id_by_email':
      case 'find_user_id_by_name_zip':
        k.identityTried.add(JSON.stringify(args ?? {}));
        k.lastIdentityFailed = failed;
        if (!failed) k.userId = text.trim().replace(/^"|"$/g, '');
        break;
      case 'get_user_details': {
        const u = readUser(str(args?.user_id), value);
        if (u) k.user = u;
        break;
      }
      case 'get_order_details': {
        const o = readOrder(value);
        if (o) k.orders.set(o.order_id, o);
        k.orderLookups.push({ orderId: str(args?.order_id), at });
        break;
      }
      case 'get_product_details': {
        const p = readProduct(value);
        if (p) k.products.set(p.product_id, p);
        break;
      }
      case 'transfer_to_human_agents':
        k.transferred = true;
        break;
      default:
        if (WRITE_TOOLS.has(name)) {
          k.writes.push({ name, args: args ?? {}, ok: !failed, text, at });
          // A write returns the order as it now is.
          const o = readOrder(value);
          if (o) k.orders.set(o.order_id, o);
        }
    }
  }
  return k;
}
