// A consequential action in words and back. The agent states the action with every id it will use
// ("To confirm, I will ..."), and after the customer's yes it makes the call it stated — read back
// from its own words, as a model copies its previous message — not a freshly sampled one.
import type { TauAgentContext } from './context';
import type { Args, TauEvent } from './transcript';
import { isAffirmative, readAddress } from './understand';

export interface Decision {
  kind: 'call' | 'say';
  /** The tool (call) or undefined (say). */
  name?: string;
  args?: Args;
  text?: string;
  thought: string;
}

export const say = (text: string, thought: string): Decision => ({ kind: 'say', text, thought });
export const call = (name: string, args: Args, thought: string): Decision => ({
  kind: 'call',
  name,
  args,
  thought,
});

export const CONFIRM_LEAD = 'To confirm, I will';
export const ANYTHING_ELSE = 'Is there anything else I can help you with?';
export const ASK_WHAT_TO_CHANGE =
  "I'm sorry, I want to get this right. What should I change: the order, the items, the options or the payment method?";
export const CONFIRM_ASK = 'Shall I proceed (yes/no)?';

export interface PlannedWrite {
  tool: string;
  args: Args;
  /** The action in words, with every id. */
  details: string;
  /** The policy's reminder for one-shot actions. */
  reminder?: string;
}

export function confirmationText(w: PlannedWrite): string {
  return `${CONFIRM_LEAD} ${w.details}.${w.reminder ? ` ${w.reminder}` : ''} ${CONFIRM_ASK}`;
}

export function isConfirmation(text: string): boolean {
  return text.startsWith(CONFIRM_LEAD) && text.includes(CONFIRM_ASK);
}

const PM = /\b(?:credit_card|paypal|gift_card)_\d+\b/g;

function lastPm(text: string): string | undefined {
  const all = text.match(PM);
  return all ? all[all.length - 1] : undefined;
}

/** The write call a confirmation stated, or undefined if its words do not read as one. */
export function readConfirmation(text: string): { tool: string; args: Args } | undefined {
  if (!isConfirmation(text)) return undefined;
  const body = text.slice(CONFIRM_LEAD.length, text.indexOf(CONFIRM_ASK));
  const order = /#W\d{7}/.exec(body)?.[0];
  const pm = lastPm(body);
  const verb = /^\s*(\w+)/.exec(body)?.[1];
  if (verb === 'cancel' && order) {
    const reason = /reason: '([^']+)'/.exec(body)?.[1];
    return reason ? { tool: 'cancel_pending_order', args: { order_id: order, reason } } : undefined;
  }
  if (verb === 'return' && order && pm) {
    const items = [...body.matchAll(/\(item (\d+)/g)].map((m) => m[1]);
    return {
      tool: 'return_delivered_order_items',
      args: { order_id: order, item_ids: items, payment_method_id: pm },
    };
  }
  if ((verb === 'exchange' || verb === 'modify') && order && pm) {
    const pairs = [...body.matchAll(/\(item (\d+)[^)]*\) (?:for|to) [^()]*\(item (\d+)/g)];
    return {
      tool: verb === 'exchange' ? 'exchange_delivered_order_items' : 'modify_pending_order_items',
      args: {
        order_id: order,
        item_ids: pairs.map((m) => m[1]),
        new_item_ids: pairs.map((m) => m[2]),
        payment_method_id: pm,
      },
    };
  }
  if (verb === 'change' && body.includes('payment method') && order && pm)
    return { tool: 'modify_pending_order_payment', args: { order_id: order, payment_method_id: pm } };
  if (verb === 'change' && body.includes('address')) {
    const a = readAddress([body.replace(/#W\d{7}/g, '')]);
    if (!a) return undefined;
    const fields = {
      address1: a.address1,
      address2: a.address2,
      city: a.city,
      state: a.state,
      country: a.country,
      zip: a.zip,
    };
    if (body.includes('default address')) {
      const user = /user id ([a-z]+_[a-z]+_\d+)/.exec(body)?.[1];
      return user ? { tool: 'modify_user_address', args: { user_id: user, ...fields } } : undefined;
    }
    return order ? { tool: 'modify_pending_order_address', args: { order_id: order, ...fields } } : undefined;
  }
  return undefined;
}

/** State the action and wait for a plain yes; after the yes, make the call the confirmation
 * stated (`readBack` reads it from the agent's own words). The τ errors of this moment are drawn
 * here, each from its own stream: a transfer or the write itself instead of the confirmation, and
 * "done" without the write after the yes. */
export function confirmOrAct(
  ctx: TauAgentContext,
  events: TauEvent[],
  w: PlannedWrite,
  readBack: (text: string) => { tool: string; args: Args } | undefined,
): Decision {
  let lastSay = -1;
  events.forEach((e, i) => {
    if (e.kind === 'say') lastSay = i;
  });
  const sayText = lastSay >= 0 ? (events[lastSay] as { text: string }).text : '';
  const replies = events
    .slice(lastSay + 1)
    .filter((e): e is { kind: 'customer'; text: string } => e.kind === 'customer');
  const asked = isConfirmation(sayText) && replies.length > 0;
  const stated = asked && replies.every((e) => isAffirmative(e.text)) ? readBack(sayText) : undefined;
  if (stated) {
    if (ctx.rng.fork('tau-no-final-write').chance(ctx.rates.tauNoFinalWrite))
      return say(
        `Done: your request has been submitted. ${ANYTHING_ELSE}`,
        'The customer agreed; it is handled.',
      );
    return call(stated.tool, stated.args, 'The customer confirmed; make the change exactly as stated.');
  }
  if (ctx.rng.fork('tau-early-transfer').chance(ctx.rates.tauEarlyTransfer))
    return call(
      'transfer_to_human_agents',
      { summary: `The customer asks to ${w.details}. Transferring to a human agent.` },
      'This looks like something a human agent should handle.',
    );
  if (ctx.rng.fork('tau-early-action').chance(ctx.rates.tauEarlyAction))
    return call(w.tool, w.args, 'I have all the details; make the change.');
  const text = confirmationText(w);
  // A "no" that changes nothing I understood: ask instead of stating the same thing again.
  if (asked && text === sayText)
    return say(ASK_WHAT_TO_CHANGE, 'The customer said no; find out what to change.');
  return say(text, 'State the action and ask for explicit confirmation.');
}
