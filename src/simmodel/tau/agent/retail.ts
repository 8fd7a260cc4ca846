// The retail agent's procedure, after the policy: authenticate (email, or name + zip), look up
// the order, find the items and the variants the customer means, collect the payment method or
// the reason, state the action and wait for an explicit yes, make the write call with the ids it
// stated, tell the outcome. Each request the customer makes is handled in the order it was made.
// Errors of the kinds real models make on τ-bench are drawn here (errorModel.ts, one stream each).
import {
  ANYTHING_ELSE,
  type Decision,
  type PlannedWrite,
  call,
  confirmOrAct,
  readConfirmation,
  say,
} from './actions';
import type { TauAgentContext } from './context';
import {
  type Order,
  type PaymentMethod,
  type RetailKnowledge,
  type UserRecord,
  retailKnowledge,
} from './retailData';
import { type Args, type TauEvent, callsSinceCustomer, isErrorResult } from './transcript';
import {
  type RetailIntent,
  cancelReason,
  isClosing,
  orderIds,
  paymentWish,
  readAddress,
  readIdentity,
  retailIntents,
  sentences,
} from './understand';
import { availableOptions, chooseVariant, describeOptions, focusedClauses, mentionedItems } from './variants';

/** The agent keeps each reply to a few lookups and then speaks (it does not know the product's cap). */
export const MAX_CALLS_PER_REPLY = 2;

export const ASK_IDENTITY =
  'Before I can help, I need to verify your identity. Please give me the email address on your account, or your first name, last name and zip code.';
export const IDENTITY_NOT_FOUND =
  'I could not find an account with those details. Could you check them, or give me your email address, or your first name, last name and zip code?';
export const ASK_HOW = 'Thank you, I have verified your identity. How can I help you today?';
export const ASK_ORDER = 'Which order is it about? Please give me the order id (it looks like #W0000000).';
export const ASK_REASON =
  "What is the reason for the cancellation: 'no longer needed' or 'ordered by mistake'?";
export const GOODBYE = "You're welcome. Have a great day!";
export const TRANSFERRED = 'I have transferred you to a human agent. They will contact you shortly.';

interface Request {
  intent: RetailIntent;
  orderId?: string;
  firstAt: number;
  lastAt: number;
}

const TOOLS_OF: Record<RetailIntent, string[]> = {
  cancel: ['cancel_pending_order'],
  return: ['return_delivered_order_items'],
  items: ['exchange_delivered_order_items', 'modify_pending_order_items'],
  address: ['modify_pending_order_address'],
  payment: ['modify_pending_order_payment'],
  'user-address': ['modify_user_address'],
};

const VERB: Record<RetailIntent, string> = {
  cancel: 'cancel',
  return: 'return',
  items: 'change the items of',
  address: 'change the address of',
  payment: 'change the payment method of',
  'user-address': 'change the default address',
};

function customerTexts(events: TauEvent[]): { text: string; at: number }[] {
  return events.flatMap((e, at) => (e.kind === 'customer' ? [{ text: e.text, at }] : []));
}

/** The requests the customer has made, in the order it made them. */
export function readRequests(events: TauEvent[]): Request[] {
  const reqs: Request[] = [];
  const upsert = (intent: RetailIntent, orderId: string | undefined, at: number): void => {
    const same = reqs.find((r) => r.intent === intent && r.orderId === orderId);
    if (same) {
      same.lastAt = at;
      return;
    }
    const open = orderId ? reqs.find((r) => r.intent === intent && !r.orderId) : undefined;
    if (open) {
      open.orderId = orderId;
      open.lastAt = at;
      return;
    }
    reqs.push({ intent, orderId, firstAt: at, lastAt: at });
  };
  for (const { text, at } of customerTexts(events)) {
    let context: string | undefined;
    for (const s of sentences(text)) {
      const ids = orderIds(s);
      const intents = retailIntents(s);
      if (intents.length) {
        for (const intent of intents) {
          if (intent === 'user-address') upsert(intent, undefined, at);
          else for (const id of ids.length ? ids : [context]) upsert(intent, id, at);
        }
      } else if (ids.length) {
        // An id on its own answers "which order?": it belongs to the requests still without one.
        const open = reqs.filter((r) => !r.orderId && r.intent !== 'user-address');
        for (const r of open) upsert(r.intent, ids[0], at);
        for (const r of reqs) if (r.orderId && ids.includes(r.orderId)) r.lastAt = at;
        // "No, that's not the right order. It's #W…": the request under discussion moves to it.
        const latest = reqs.reduce<Request | undefined>(
          (a, r) => (!a || r.lastAt >= a.lastAt ? r : a),
          undefined,
        );
        if (
          !open.length &&
          latest?.orderId &&
          !reqs.some((r) => r.orderId && ids.includes(r.orderId)) &&
          /^\s*no\b|\b(not|wrong)\b[^.]*\border\b/i.test(text)
        ) {
          latest.orderId = ids[0];
          latest.lastAt = at;
        }
      }
      if (ids.length) context = ids[ids.length - 1];
    }
  }
  return reqs;
}

function isDone(r: Request, k: RetailKnowledge, orderId: string | undefined): boolean {
  return k.writes.some(
    (w) =>
      TOOLS_OF[r.intent].includes(w.name) &&
      (r.intent === 'user-address' || w.args.order_id === orderId) &&
      (w.ok || w.at > r.lastAt),
  );
}

/** The order a request acts on: the one the customer named — or, like a model copying its previous
 * call, the one the agent looked up right after the customer named it, if that was another. */
function effectiveOrder(r: Request, k: RetailKnowledge, events: TauEvent[]): string | undefined {
  if (!r.orderId) return undefined;
  let named = -1;
  events.forEach((e, i) => {
    if (e.kind === 'customer' && r.orderId && orderIds(e.text).includes(r.orderId)) named = i;
  });
  const next = k.orderLookups.find((l) => l.at > named);
  const knownBefore = k.orderLookups.some((l) => l.orderId === r.orderId && (!next || l.at < next.at));
  if (next && !knownBefore && next.orderId !== r.orderId && k.user?.orders.includes(next.orderId))
    return next.orderId;
  return r.orderId;
}

function wantsStatus(intent: RetailIntent): string[] {
  if (intent === 'return') return ['delivered'];
  if (intent === 'items') return ['delivered', 'pending'];
  return ['pending'];
}

function describePayment(pm: PaymentMethod): string {
  if (pm.source === 'credit_card') return `${pm.id} (${pm.brand ?? 'card'} ending ${pm.last_four ?? '????'})`;
  if (pm.source === 'gift_card') return `${pm.id} (gift card, balance $${pm.balance ?? 0})`;
  return `${pm.id} (${pm.source})`;
}

type PaymentPick = { kind: 'id'; id: string } | { kind: 'need-user' } | { kind: 'ask' };

function resolvePayment(texts: string[], user: UserRecord | undefined, order: Order): PaymentPick {
  const wish = paymentWish(texts);
  if (!wish) return user ? { kind: 'ask' } : { kind: 'need-user' };
  if (wish.kind === 'id') return { kind: 'id', id: wish.id };
  if (wish.kind === 'original')
    return order.paymentIds[0] ? { kind: 'id', id: order.paymentIds[0] } : { kind: 'ask' };
  if (!user) return { kind: 'need-user' };
  let pms = user.payments.filter((p) => p.source === wish.source);
  if (wish.lastFour) pms = pms.filter((p) => p.last_four === wish.lastFour);
  else if (wish.brand) pms = pms.filter((p) => p.brand?.toLowerCase() === wish.brand);
  return pms.length === 1 ? { kind: 'id', id: pms[0].id } : { kind: 'ask' };
}

/** One reply of the retail agent. */
export function decideRetail(ctx: TauAgentContext, events: TauEvent[]): Decision {
  const k = retailKnowledge(events);
  const last = events[events.length - 1];
  const texts = customerTexts(events).map((c) => c.text);

  // Right after a call: a write's outcome, a transfer, or a failed lookup is told before anything else.
  if (last?.kind === 'result' && last.call) {
    if (last.call.name === 'transfer_to_human_agents')
      return say(TRANSFERRED, 'The customer is with a human agent now.');
    const w = k.writes[k.writes.length - 1];
    if (w && w.at === events.length - 1) {
      if (!w.ok)
        return say(
          `Sorry, I could not do that: ${w.text.replace(/^Error:\s*/, '')}. ${ANYTHING_ELSE}`,
          'The write failed; tell the customer.',
        );
      const o = k.orders.get(String(w.args.order_id ?? ''));
      const status = o ? `order ${o.order_id} is now "${o.status}"` : 'your default address is updated';
      return say(`Done: ${status}. ${ANYTHING_ELSE}`, 'The action went through; tell the customer.');
    }
  }
  if (k.transferred) return say(TRANSFERRED, 'The customer was handed over.');
  if (last?.kind === 'result' && last.call?.name === 'get_order_details' && isErrorResult(last.text))
    return say(
      `I could not find order ${String(last.call.args?.order_id ?? '')}. Could you check the order id?`,
      'The order lookup failed.',
    );

  const budgetLeft = callsSinceCustomer(events) < MAX_CALLS_PER_REPLY;
  const lookup = (name: string, args: Args, thought: string, stall: string): Decision =>
    budgetLeft
      ? call(name, args, thought)
      : say(stall, 'I have made several lookups; let me check in with the customer.');

  // Authentication comes first, even when the customer gives a user id.
  if (!k.userId) {
    const id = readIdentity(texts);
    if (id.email) {
      const args = { email: id.email };
      if (!k.identityTried.has(JSON.stringify(args)))
        return lookup('find_user_id_by_email', args, 'Authenticate the user by email.', ASK_IDENTITY);
    }
    if (id.firstName && id.lastName && id.zip) {
      const args = { first_name: id.firstName, last_name: id.lastName, zip: id.zip };
      if (!k.identityTried.has(JSON.stringify(args)))
        return lookup(
          'find_user_id_by_name_zip',
          args,
          'Authenticate the user by name and zip.',
          ASK_IDENTITY,
        );
    }
    return say(
      k.lastIdentityFailed ? IDENTITY_NOT_FOUND : ASK_IDENTITY,
      'I must authenticate the user first.',
    );
  }

  const requests = readRequests(events);
  const open = requests.filter((r) => !isDone(r, k, effectiveOrder(r, k, events)) && !refused(r, events));
  // What can be acted on first: a request whose order is known before one still without it.
  const current = open.find((r) => r.orderId || r.intent === 'user-address') ?? open[0];
  if (!current) {
    const lastText = texts[texts.length - 1] ?? '';
    if (requests.length && isClosing(lastText)) return say(GOODBYE, 'The customer is done.');
    return say(requests.length ? ANYTHING_ELSE : ASK_HOW, 'Find out what the customer needs.');
  }
  // What the customer said about this request: from when it first asked for it.
  const own = customerTexts(events)
    .filter((c) => c.at >= current.firstAt)
    .map((c) => c.text);
  return handleRequest(ctx, events, k, current, own, lookup);
}

function refused(r: Request, events: TauEvent[]): boolean {
  return events.some(
    (e, i) =>
      i > r.lastAt &&
      e.kind === 'say' &&
      e.text.includes('so I cannot') &&
      (!r.orderId || e.text.includes(r.orderId)),
  );
}

type Lookup = (name: string, args: Args, thought: string, stall: string) => Decision;

function handleRequest(
  ctx: TauAgentContext,
  events: TauEvent[],
  k: RetailKnowledge,
  r: Request,
  texts: string[],
  lookup: Lookup,
): Decision {
  const userId = k.userId ?? '';
  if (r.intent === 'user-address') {
    const address = readAddress(texts);
    if (!address)
      return say('What is the new default address (street, suite, city, state, zip)?', 'I need the address.');
    const w: PlannedWrite = {
      tool: 'modify_user_address',
      args: { user_id: userId, ...address },
      details: `change your default address (user id ${userId}) to ${formatAddress(address)}`,
    };
    return confirmOrAct(ctx, events, w, readConfirmation);
  }

  // The order: named by the customer, or found among the user's orders by the items it names.
  let orderId = effectiveOrder(r, k, events);
  if (!orderId) {
    if (!k.user) return lookup('get_user_details', { user_id: userId }, 'I need the user orders.', ASK_ORDER);
    const found = k.user.orders.find((id) => {
      const o = k.orders.get(id);
      return o && wantsStatus(r.intent).includes(o.status) && mentionedItems(texts, o).length > 0;
    });
    if (found) orderId = found;
    else if (k.user.orders.length === 1) orderId = k.user.orders[0];
    else {
      const next = k.user.orders.find((id) => !k.orders.has(id));
      if (next && k.user.orders.length <= 6)
        return lookup(
          'get_order_details',
          { order_id: next },
          'Look through the orders for the one meant.',
          ASK_ORDER,
        );
      return say(ASK_ORDER, 'I need the order id.');
    }
  }
  const order = k.orders.get(orderId);
  if (!order) {
    let target = orderId;
    const wrong = ctx.rng.fork('tau-wrong-order');
    const others = (k.user?.orders ?? []).filter((id) => id !== orderId && !k.orders.has(id));
    if (others.length && wrong.chance(ctx.rates.tauWrongOrder)) target = wrong.pick(others);
    return lookup('get_order_details', { order_id: target }, `Look up order ${target}.`, ASK_ORDER);
  }

  const allowed = wantsStatus(r.intent);
  if (!allowed.includes(order.status))
    return say(
      `I'm sorry, but order ${order.order_id} is "${order.status}", so I cannot ${VERB[r.intent]} it. ${ANYTHING_ELSE}`,
      'The policy does not allow this for the order status.',
    );

  if (r.intent === 'cancel') {
    const reason = cancelReason(texts.join('\n'));
    if (!reason) return say(ASK_REASON, 'I need the reason.');
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'cancel_pending_order',
        args: { order_id: order.order_id, reason },
        details: `cancel order ${order.order_id} (reason: '${reason}')`,
      },
      readConfirmation,
    );
  }
  if (r.intent === 'address') {
    const address = readAddress(texts);
    if (!address)
      return say(
        `What is the new shipping address for order ${order.order_id} (street, suite, city, state, zip)?`,
        'I need the address.',
      );
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'modify_pending_order_address',
        args: { order_id: order.order_id, ...address },
        details: `change the shipping address of order ${order.order_id} to ${formatAddress(address)}`,
      },
      readConfirmation,
    );
  }

  // Payment: the wish in the customer's words, checked against the user's methods.
  const pay = resolvePayment(texts, k.user, order);
  const payMethod = (): string | Decision => {
    if (pay.kind === 'need-user')
      return lookup(
        'get_user_details',
        { user_id: userId },
        'I need the payment methods.',
        askPayment(undefined, r.intent),
      );
    if (pay.kind === 'ask') return say(askPayment(k.user, r.intent), 'I need the payment method.');
    let id = pay.id;
    const wrong = ctx.rng.fork('tau-wrong-payment');
    const others = (k.user?.payments ?? []).filter((p) => p.id !== id);
    if (others.length && wrong.chance(ctx.rates.tauWrongPayment)) id = wrong.pick(others).id;
    return id;
  };

  if (r.intent === 'payment') {
    const pm = payMethod();
    if (typeof pm !== 'string') return pm;
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'modify_pending_order_payment',
        args: { order_id: order.order_id, payment_method_id: pm },
        details: `change the payment method of order ${order.order_id} to ${pm}`,
      },
      readConfirmation,
    );
  }

  // Items: the ones the customer named in this order.
  let items = mentionedItems(texts, order);
  if (items.length === 0) {
    const verb = r.intent === 'return' ? 'return' : order.status === 'delivered' ? 'exchange' : 'modify';
    const list = order.items.map((it) => `${it.name} (${describeOptions(it.options)})`).join('; ');
    return say(
      `Which items of order ${order.order_id} would you like to ${verb}? It has: ${list}.`,
      'I need the items.',
    );
  }
  const missing = ctx.rng.fork('tau-missing-item');
  if (items.length >= 2 && missing.chance(ctx.rates.tauMissingItem)) {
    const drop = missing.int(items.length);
    items = items.filter((_, i) => i !== drop);
  }

  if (r.intent === 'return') {
    const pm = payMethod();
    if (typeof pm !== 'string') return pm;
    const list = items
      .map((it) => `${it.name} (item ${it.item_id}: ${describeOptions(it.options)})`)
      .join(', ');
    return confirmOrAct(
      ctx,
      events,
      {
        tool: 'return_delivered_order_items',
        args: { order_id: order.order_id, item_ids: items.map((it) => it.item_id), payment_method_id: pm },
        details: `return these items of order ${order.order_id}: ${list}; the refund goes to ${pm}`,
      },
      readConfirmation,
    );
  }

  // Exchange (delivered) or modify (pending): every item's product, then the variant asked for.
  for (const it of items)
    if (!k.products.has(it.product_id))
      return lookup(
        'get_product_details',
        { product_id: it.product_id },
        `Check the ${it.name} options.`,
        `I have found order ${order.order_id}. Which options would you like for the ${it.name} instead?`,
      );
  const clauses = focusedClauses(events, order.items);
  const pairs: {
    from: (typeof items)[number];
    to: { item_id: string; options: Record<string, string>; price: number };
  }[] = [];
  const wrongVariant = ctx.rng.fork('tau-wrong-variant');
  for (const it of items) {
    const product = k.products.get(it.product_id);
    if (!product) continue;
    const choice = chooseVariant(clauses, it, product);
    if (choice.kind === 'no-wish')
      return say(
        `Which options would you like for the ${it.name} instead? The available ones are: ${availableOptions(product)}.`,
        `I need the new ${it.name} options.`,
      );
    if (choice.kind === 'unavailable')
      return say(
        `Sorry, there is no available ${it.name} with ${describeOptions(choice.desired)}. The available options are: ${availableOptions(product)}. Which would you like instead?`,
        'That variant is not available.',
      );
    const fork = wrongVariant.fork(it.item_id);
    const to =
      choice.near.length && fork.chance(ctx.rates.tauWrongVariant) ? fork.pick(choice.near) : choice.variant;
    pairs.push({ from: it, to });
  }
  const pm = payMethod();
  if (typeof pm !== 'string') return pm;
  const exchange = order.status === 'delivered';
  const verb = exchange ? 'exchange' : 'modify';
  const diff = pairs.reduce((s, p) => s + p.to.price - p.from.price, 0);
  const money =
    Math.abs(diff) < 0.005
      ? `no price difference; ${pm} is the payment method on record for it`
      : diff > 0
        ? `the price difference of $${diff.toFixed(2)} is charged to ${pm}`
        : `the price difference of $${(-diff).toFixed(2)} is refunded to ${pm}`;
  const list = pairs
    .map(
      (p) =>
        `${p.from.name} (item ${p.from.item_id}: ${describeOptions(p.from.options)}) ${exchange ? 'for' : 'to'} ${p.from.name} (item ${p.to.item_id}: ${describeOptions(p.to.options)})`,
    )
    .join(', ');
  return confirmOrAct(
    ctx,
    events,
    {
      tool: exchange ? 'exchange_delivered_order_items' : 'modify_pending_order_items',
      args: {
        order_id: order.order_id,
        item_ids: pairs.map((p) => p.from.item_id),
        new_item_ids: pairs.map((p) => p.to.item_id),
        payment_method_id: pm,
      },
      details: `${verb} these items of order ${order.order_id}: ${list}; ${money}`,
      reminder: `Please make sure these are all the items you want to ${verb}: this can be done only once for the order.`,
    },
    readConfirmation,
  );
}

function askPayment(user: UserRecord | undefined, intent: RetailIntent): string {
  const what =
    intent === 'return' ? 'the refund' : intent === 'payment' ? 'the order' : 'the price difference';
  const list = user?.payments.map(describePayment).join(', ');
  return `Which payment method would you like to use for ${what}?${list ? ` You have: ${list}.` : ''}`;
}

function formatAddress(a: {
  address1: string;
  address2: string;
  city: string;
  state: string;
  zip: string;
  country: string;
}): string {
  return [a.address1, a.address2, a.city, `${a.state} ${a.zip}`, a.country].filter(Boolean).join(', ');
}
