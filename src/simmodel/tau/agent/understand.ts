// What the τ agent reads in the customer's words: identities, ids, intents, reasons, payment
// wishes, addresses, yes and no. Vocabulary and patterns only, the way a model reads a chat; the
// option values and product names it matches come from what its own tool calls returned.

export interface Identity {
  email?: string;
  firstName?: string;
  lastName?: string;
  zip?: string;
  userId?: string;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const USER_ID = /\b[a-z]+_[a-z]+_\d{4}\b/g;
const ZIP = /\b\d{5}\b/g;
const NAME_LEAD =
  /\b(?:[Mm]y name is|[Nn]ame's|I am|I'm|[Tt]his is|[Ii]t's|[Nn]ame is|[Ff]ull name is|[Nn]ame:)\s+([A-Z][a-zA-Z'-]+)\s+([A-Z][a-zA-Z'-]+)/;
const NAME_HERE = /\b([A-Z][a-zA-Z'-]+)\s+([A-Z][a-zA-Z'-]+)\s+here\b/;
const FIRST = /\bfirst name(?: is|:)?\s+([A-Z][a-zA-Z'-]+)/i;
const LAST = /\blast name(?: is|:)?\s+([A-Z][a-zA-Z'-]+)/i;

function lastMatch(text: string, re: RegExp): string | undefined {
  const all = text.match(re);
  return all ? all[all.length - 1] : undefined;
}

/** The identity details the customer has given, the latest of each. */
export function readIdentity(texts: string[]): Identity {
  const id: Identity = {};
  for (const t of texts) {
    const email = lastMatch(t, EMAIL);
    if (email) id.email = email.replace(/\.$/, '');
    const uid = lastMatch(t.replace(EMAIL, ''), USER_ID);
    if (uid) id.userId = uid;
    const zip = lastMatch(t.replace(/#?W\d{7}/g, ''), ZIP);
    if (zip) id.zip = zip;
    const n = NAME_LEAD.exec(t) ?? NAME_HERE.exec(t);
    if (n && !/^(I|Im|Looking|Trying|Calling|Writing)$/.test(n[1])) {
      id.firstName = n[1];
      id.lastName = n[2];
    }
    const f = FIRST.exec(t);
    if (f) id.firstName = f[1];
    const l = LAST.exec(t);
    if (l) id.lastName = l[1];
  }
  return id;
}

/** Order ids as the customer writes them (`#W1234567`, or without the `#`). */
export function orderIds(text: string): string[] {
  return [...text.matchAll(/#?\bW\d{7}\b/g)].map((m) => (m[0].startsWith('#') ? m[0] : `#${m[0]}`));
}

export type RetailIntent = 'cancel' | 'return' | 'items' | 'address' | 'payment' | 'user-address';

/** The requests a sentence makes. "Change"/"exchange"/"modify" of items is one intent: the order's
 * status decides whether it is an exchange (delivered) or a modification (pending). */
export function retailIntents(sentence: string): RetailIntent[] {
  const s = sentence.toLowerCase();
  const found: { intent: RetailIntent; at: number }[] = [];
  const at = (re: RegExp): number => re.exec(s)?.index ?? -1;
  const cancel = at(/\bcancel/);
  if (cancel >= 0) found.push({ intent: 'cancel', at: cancel });
  const ret = at(/\breturn(?!ed)|\bsend (?:it|them|\w+) back\b/);
  if (ret >= 0) found.push({ intent: 'return', at: ret });
  const change = at(/\b(exchange|swap|modify|change|switch|replace|update)/);
  const swap = at(/\b(exchange|swap|replace)/);
  if (/\baddress\b/.test(s) && change >= 0)
    found.push({
      intent: /\b(default|profile|account|on file|user address)\b/.test(s) ? 'user-address' : 'address',
      at: change,
    });
  else if (
    /\bpayment method\b|\bpay(?:ment)? (?:for (?:it|the order) )?(?:with|by|using)\b/.test(s) &&
    change >= 0 &&
    swap < 0
  )
    found.push({ intent: 'payment', at: change });
  else if (swap >= 0 || (change >= 0 && cancel < 0))
    found.push({ intent: 'items', at: swap >= 0 ? swap : change });
  return found.sort((a, b) => a.at - b.at).map((f) => f.intent);
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export type CancelReason = 'no longer needed' | 'ordered by mistake';

export function cancelReason(text: string): CancelReason | undefined {
  const s = text.toLowerCase();
  const a = Math.max(
    s.lastIndexOf('no longer need'),
    s.lastIndexOf("don't need"),
    s.lastIndexOf('do not need'),
  );
  const b = Math.max(s.lastIndexOf('by mistake'), s.lastIndexOf('mistake'), s.lastIndexOf('accident'));
  if (a < 0 && b < 0) return undefined;
  return a > b ? 'no longer needed' : 'ordered by mistake';
}

const AFFIRM =
  /^\s*(?:yes|yeah|yep|yup|sure|correct|confirm(?:ed)?|that'?s (?:right|correct)|please (?:do|proceed|go ahead)|go ahead|proceed|ok(?:ay)?|absolutely|definitely|right)\b/i;
const NEGATE = /\b(no|not|don't|do not|wrong|instead|actually|wait)\b/i;

/** A plain yes to the agent's question (a yes that goes on to correct something is not one). */
export function isAffirmative(text: string): boolean {
  if (!AFFIRM.test(text)) return false;
  const rest = text.replace(AFFIRM, '');
  return !/\b(but|however|except|instead|wrong|not)\b/i.test(rest);
}

export function isNegative(text: string): boolean {
  return (
    /^\s*(no|nope|wait|actually|not quite|that's not|that is not)\b/i.test(text) ||
    (!isAffirmative(text) && NEGATE.test(text))
  );
}

export function isClosing(text: string): boolean {
  return /\b(that'?s all|nothing else|no,? thanks?|bye|goodbye|that will be all)\b/i.test(text);
}

export type PaymentWish =
  | { kind: 'id'; id: string }
  | { kind: 'original' }
  | { kind: 'source'; source: 'gift_card' | 'paypal' | 'credit_card'; lastFour?: string; brand?: string };

/** The latest payment wish in the customer's words. */
export function paymentWish(texts: string[]): PaymentWish | undefined {
  let wish: PaymentWish | undefined;
  for (const t of texts) {
    for (const s of sentences(t)) {
      const id = lastMatch(s, /\b(?:credit_card|paypal|gift_card)_\d+\b/g);
      if (id) {
        wish = { kind: 'id', id };
        continue;
      }
      const l = s.toLowerCase();
      const four = /\b(?:ending|ends|last four|last 4)\D{0,12}(\d{4})\b/.exec(l)?.[1];
      const brand = /\b(visa|mastercard|amex|american express|discover)\b/.exec(l)?.[1];
      if (/\bgift ?card\b/.test(l)) wish = { kind: 'source', source: 'gift_card' };
      else if (/\bpay ?pal\b/.test(l)) wish = { kind: 'source', source: 'paypal' };
      else if (/\b(credit|debit) ?card\b/.test(l) || four || brand)
        wish = { kind: 'source', source: 'credit_card', lastFour: four, brand };
      else if (/\b(original|same) (payment|method|card|account)|\bpaid with\b|\bway i paid\b/.test(l))
        wish = { kind: 'original' };
    }
  }
  return wish;
}

export interface Address {
  address1: string;
  address2: string;
  city: string;
  state: string;
  country: string;
  zip: string;
}

const ADDRESS =
  /(?<![\w#])(\d+[A-Za-z]? [A-Za-z0-9 .'-]+?),\s*(?:((?:Suite|Apt\.?|Apartment|Unit|Floor|#)\s*[A-Za-z0-9-]+),\s*)?([A-Za-z .'-]+?),\s*([A-Z]{2}),?\s+(\d{5})(?:,?\s*(USA|United States|US)\b)?/g;

/** The latest full address in the customer's words ("953 Park Avenue, Suite 613, New York, NY 10064, USA"). */
export function readAddress(texts: string[]): Address | undefined {
  let out: Address | undefined;
  for (const t of texts) {
    for (const m of t.matchAll(ADDRESS)) {
      out = {
        address1: m[1].trim(),
        address2: (m[2] ?? '').trim(),
        city: m[3].trim(),
        state: m[4],
        country: 'USA',
        zip: m[5],
      };
    }
  }
  return out;
}

/** Whether `phrase` occurs in `text` as whole words (case-insensitive; one- and two-character
 * values such as sizes "M" or "9" must match their case and stand alone). */
export function mentionIndex(text: string, phrase: string): number {
  const esc = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const short = phrase.length <= 2;
  const re = new RegExp(`(?<![\\w#-])${esc}(?![\\w-])`, short ? 'g' : 'gi');
  let at = -1;
  for (const m of text.matchAll(re)) at = m.index;
  return at;
}
