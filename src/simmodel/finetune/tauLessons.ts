// What each τ-bench error kind of the simulated agent (errorModel.ts, `tau*`) learns from, judged
// from the training file alone (tool names and arguments of τ-bench's retail and airline tools, and
// the customer's words). The rules that need the shop's or the airline's data to judge (which
// variant or payment method was right) learn from preference pairs only.
import type { Decision, DecisionInContext, Lesson } from './learning';

/** τ-bench's consequential tools: the calls that change the database (retail and airline). */
const WRITE_TOOLS = new Set([
  'cancel_pending_order',
  'modify_pending_order_address',
  'modify_pending_order_items',
  'modify_pending_order_payment',
  'modify_user_address',
  'return_delivered_order_items',
  'exchange_delivered_order_items',
  'book_reservation',
  'cancel_reservation',
  'update_reservation_baggages',
  'update_reservation_flights',
  'update_reservation_passengers',
  'send_certificate',
]);
const LOOKUPS: Record<string, string> = {
  get_order_details: 'order_id',
  get_reservation_details: 'reservation_id',
};
const TRANSFER = 'transfer_to_human_agents';
const PAYMENT_KEYS = ['payment_method_id', 'payment_id', 'payment_methods'];

const isWrite = (d: Decision): boolean => WRITE_TOOLS.has(d.call?.name ?? '');
const arg = (d: Decision, k: string): unknown => d.call?.args?.[k];
const ids = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The text of a prompt message (string or text parts). */
function text(m: DecisionInContext['prompt'][number] | undefined): string {
  const c = m?.content;
  if (c == null) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}

const AFFIRM = /\b(yes|yeah|yep|sure|confirm(ed)?|correct|go ahead|please do|proceed|ok(ay)?)\b/i;

/** The customer's last message says yes to what the agent said just before it (a stated action). */
function confirmedByCustomer(d: DecisionInContext): boolean {
  const p = d.prompt;
  const last = p[p.length - 1];
  const before = p[p.length - 2];
  return (
    last?.role === 'user' && AFFIRM.test(text(last)) && before?.role === 'assistant' && text(before) !== ''
  );
}

const customerSaid = (d: DecisionInContext, s: string): boolean =>
  d.prompt.some((m) => m.role === 'user' && text(m).includes(s));

/** The same τ call on both sides of a pair (arguments parsed). */
function sameCall(c: DecisionInContext, r: Decision): boolean {
  const a = c.decision.call;
  return a?.args !== undefined && r.call?.args !== undefined && a.name === r.call.name;
}

export const TAU_LESSONS: readonly Lesson[] = [
  {
    // A write call made right after the customer said yes to the action the agent stated.
    // Preference: the rejected side makes the write call where the preferred one states it first.
    kind: 'tauEarlyAction',
    demonstrates: (d) => isWrite(d.decision) && confirmedByCustomer(d),
    rejects: (c, r) => isWrite(r) && c.decision.call === undefined,
  },
  {
    // After the customer's yes, the write call itself (not only words that it was done).
    kind: 'tauNoFinalWrite',
    demonstrates: (d) => isWrite(d.decision) && confirmedByCustomer(d),
    rejects: (c, r) => isWrite(c.decision) && r.call === undefined,
  },
  {
    // The agent handles the request itself (a write call) rather than handing it to a human.
    kind: 'tauEarlyTransfer',
    demonstrates: (d) => isWrite(d.decision),
    rejects: (c, r) => r.call?.name === TRANSFER && c.decision.call?.name !== TRANSFER,
  },
  {
    // Looking up the order or reservation the customer named.
    kind: 'tauWrongOrder',
    demonstrates: (d) => {
      const key = LOOKUPS[d.decision.call?.name ?? ''];
      const id = key ? arg(d.decision, key) : undefined;
      return typeof id === 'string' && id !== '' && customerSaid(d, id.replace(/^#/, ''));
    },
    rejects: (c, r) => {
      const key = LOOKUPS[c.decision.call?.name ?? ''];
      return key !== undefined && sameCall(c, r) && arg(c.decision, key) !== arg(r, key);
    },
  },
  {
    // A multi-item return, exchange or change that carries two or more items. Preference: the
    // rejected side's items are a strict subset of the preferred side's.
    kind: 'tauMissingItem',
    demonstrates: (d) => isWrite(d.decision) && ids(arg(d.decision, 'item_ids')).length >= 2,
    rejects: (c, r) => {
      if (!sameCall(c, r)) return false;
      const want = ids(arg(c.decision, 'item_ids'));
      const got = ids(arg(r, 'item_ids'));
      return got.length < want.length && got.every((x) => want.includes(x));
    },
  },
  {
    // Preference only: the same change with other new items of the same number.
    kind: 'tauWrongVariant',
    rejects: (c, r) => {
      if (!sameCall(c, r)) return false;
      const want = ids(arg(c.decision, 'new_item_ids'));
      const got = ids(arg(r, 'new_item_ids'));
      return want.length > 0 && got.length === want.length && got.some((x, i) => x !== want[i]);
    },
  },
  {
    // Preference only: the same call with another payment method (retail's payment_method_id,
    // airline's payment_id or payment_methods).
    kind: 'tauWrongPayment',
    rejects: (c, r) => {
      if (!sameCall(c, r)) return false;
      return PAYMENT_KEYS.some((k) => {
        const want = arg(c.decision, k);
        return want !== undefined && JSON.stringify(arg(r, k)) !== JSON.stringify(want);
      });
    },
  },
];
