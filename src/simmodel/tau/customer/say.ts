// How the customer words what it says: plain English with the scenario's ids and values verbatim
// (the agent must copy them exactly), a few phrasings per message kind picked by the customer's
// own seeded choice.
import type { Rng } from '../../rng';
import type { Address, Identity, ItemWish, TauRequest, TauScenario } from './scenario';

const pick = (rng: Rng, xs: string[]): string => rng.pick(xs);

const list = (xs: string[]): string =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

const VERB: Record<string, string> = {
  cancel: 'cancel',
  return: 'return',
  exchange: 'exchange',
  modify_items: 'change',
  modify_address: 'change the shipping address of',
  modify_payment: 'change the payment method of',
};

export function addressText(a: Address): string {
  const cityLine = [a.city, [a.state, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return [a.address1, a.address2, cityLine, a.country].filter(Boolean).join(', ');
}

/** An item with the options it has, when the scenario says them: "Tablet (7-inch, 32GB, gold)". */
export function itemText(i: ItemWish): string {
  const from = Object.values(i.from);
  return from.length ? `${i.product} (${from.join(', ')})` : i.product;
}

/** What the customer wants the item to become: "size XS, color navy", or "the exact same one". */
export function wishText(i: ItemWish): string {
  const to = Object.entries(i.to);
  if (to.length) return to.map(([k, v]) => `${k} ${v}`).join(', ');
  // Only what it does not want is said ("instead of Apple HomeKit").
  const from = Object.entries(i.from);
  if (from.length && i.values.every((v) => Object.values(i.from).includes(v)) && i.values.length)
    return `a different ${from.map(([k, v]) => `${k} than ${v}`).join(' and ')}`;
  if (i.phrase) return i.phrase;
  if (i.same) return 'the exact same options';
  if (i.values.length) return i.values.join(', ');
  return 'whatever is available';
}

/** The request in one sentence: its intent, and the ids it names when `withIds`. */
export function requestText(sc: TauScenario, r: TauRequest, withIds: boolean): string {
  const orders = withIds && r.orderIds.length ? ` ${list(r.orderIds)}` : '';
  const res = withIds && r.reservationIds.length ? ` ${list(r.reservationIds)}` : '';
  // Items with the options they have now, when the scenario says them, so the agent can tell two alike apart.
  const products = list(r.items.map((i) => `the ${itemText(i)}`));
  switch (r.intent) {
    case 'cancel':
      return `I'd like to cancel ${orders ? `order${orders}` : 'an order'}${r.reason ? ` because it was ${r.reason === 'ordered by mistake' ? 'ordered by mistake' : 'no longer needed'}` : ''}.`;
    case 'return':
      return products
        ? `I'd like to return ${products}${orders ? ` from order${orders}` : ''}.`
        : `I'd like to return some items${orders ? ` from order${orders}` : ''}.`;
    case 'exchange':
      return products
        ? `I'd like to exchange ${products}${orders ? ` from order${orders}` : ''}.`
        : `I'd like to exchange an item I received${orders ? ` (order${orders})` : ''}.`;
    case 'modify_items':
      return products
        ? `I'd like to change ${products} in my pending order${orders}.`
        : `I'd like to change the items of a pending order${orders}.`;
    case 'modify_address':
      return `I need to change the shipping address of ${orders ? `order${orders}` : 'an order'}${withIds && r.address?.address1 ? ` to ${addressText(r.address)}` : ''}.`;
    case 'modify_payment':
      return `I'd like to change the payment method of ${orders ? `order${orders}` : 'an order'}${withIds && r.payment ? ` to ${r.payment}` : ''}.`;
    case 'change_user_address':
      return "I'd like to update the default address on my account.";
    case 'book':
      return `I want to book a flight${sc.cities.length >= 2 ? ` from ${sc.cities[0]} to ${sc.cities[1]}` : sc.airports.length >= 2 ? ` from ${sc.airports[0]} to ${sc.airports[1]}` : ''}.`;
    case 'cancel_reservation':
      return `I'd like to cancel ${res ? `reservation${res}` : 'a reservation'}.`;
    case 'change_flights':
      return `I need to change the flights of ${res ? `reservation${res}` : 'my reservation'}.`;
    case 'change_cabin':
      return `I'd like to change the cabin of ${res ? `reservation${res}` : 'my reservation'}${sc.cabin ? ` to ${sc.cabin.replace('_', ' ')}` : ''}.`;
    case 'baggage':
      return `I'd like to add checked bags to ${res ? `reservation${res}` : 'my reservation'}.`;
    case 'passengers':
      return `I need to change the passengers of ${res ? `reservation${res}` : 'my reservation'}.`;
    case 'insurance':
      return `I have a question about the travel insurance on ${res ? `reservation${res}` : 'my reservation'}.`;
    case 'compensation':
      return 'My flight was delayed and I would like some compensation.';
    case 'info': {
      // What it wants to know, in its own words; never the whole scenario at once.
      const q = sc.questions.find((x) => x.length < 200);
      return q ? firstPerson(q) : 'I have a question about my account.';
    }
  }
}

export function identityText(
  id: Identity,
  domain: 'retail' | 'airline',
  askedEmail: boolean,
  attempt: number,
): string | undefined {
  const name = id.firstName && id.lastName ? `${id.firstName} ${id.lastName}` : id.firstName;
  const emails = [id.email, ...(id.otherEmails ?? [])].filter((e): e is string => !!e);
  const zips = [id.zip, ...(id.otherZips ?? [])].filter((z): z is string => !!z);
  if (domain === 'airline' && id.userId) return `My user id is ${id.userId}.`;
  if (emails.length && (askedEmail || !(name && zips.length) || attempt % 2 === 0)) {
    const e = emails[Math.min(attempt, emails.length - 1)];
    if (attempt < emails.length)
      return `${attempt ? 'Sorry, try this one: my email is' : 'Sure, my email is'} ${e}.`;
  }
  if (name && zips.length) {
    const z = zips[Math.min(attempt, zips.length - 1)];
    const lead = askedEmail && !emails.length ? "I don't remember my email, but my" : 'My';
    return `${lead} name is ${name} and my zip code is ${z}.`;
  }
  if (id.userId) return `My user id is ${id.userId}.`;
  return undefined;
}

export function paymentText(r: TauRequest): string {
  if (r.payment) return `Please use ${r.payment}.`;
  if (r.paymentWords) return `Please use my ${r.paymentWords}.`;
  return 'The original payment method, please.';
}

/** Second-person scenario text turned into the customer's own voice. */
export function firstPerson(s: string): string {
  return s
    .replace(/\byou'd\b/gi, "I'd")
    .replace(/\byou're\b/gi, "I'm")
    .replace(/\byou are\b/gi, 'I am')
    .replace(/\byourself\b/gi, 'myself')
    .replace(/\byour\b/gi, 'my')
    .replace(/\byou\b/gi, 'I')
    .replace(/^\s*if\b/i, 'If');
}

export const pickPhrase = pick;
export const listText = list;
export const verbOf = (intent: string): string => VERB[intent] ?? 'change';
