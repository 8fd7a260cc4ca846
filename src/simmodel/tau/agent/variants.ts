// Which items of an order the customer means, and which variant each should become: product names
// and option values are matched in the customer's words against what the agent's own lookups
// returned (the order's items, the product's variants). The conversation's focus decides which
// item an option belongs to: the item named last in the customer's clause, or else the one the
// agent last asked about.
import type { Item, Order, Product, Variant } from './retailData';
import type { TauEvent } from './transcript';
import { mentionIndex, sentences } from './understand';

/** Spellings of a product name a customer may use: "T-Shirt", "t shirt", "tshirt", and the head
 * noun alone ("shirt") when no other product in view shares it ("camera": Digital or Action?). */
function nameForms(name: string, others: readonly Item[]): string[] {
  const lower = name.toLowerCase();
  const words = lower.split(/[\s-]+/);
  const forms = new Set([lower, words.join(' '), words.join(''), words.join('-')]);
  const head = words[words.length - 1];
  const shared = others.some(
    (o) =>
      o.name !== name &&
      o.name
        .toLowerCase()
        .split(/[\s-]+/)
        .includes(head),
  );
  if (head.length > 3 && !shared) forms.add(head);
  return [...forms].flatMap((f) => [f, `${f}s`, `${f}es`]);
}

/** Where the text first names the item (-1: it does not); `among` are the items in view. */
export function itemMention(text: string, item: Item, among: readonly Item[] = []): number {
  const t = text.toLowerCase();
  const at = nameForms(item.name, among)
    .map((f) => firstIndex(t, f))
    .filter((i) => i >= 0);
  return at.length ? Math.min(...at) : -1;
}

function firstIndex(text: string, phrase: string): number {
  const esc = phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w#-])${esc}(?![\\w-])`).exec(text)?.index ?? -1;
}

export function namesItem(text: string, item: Item, among: readonly Item[] = []): boolean {
  return itemMention(text, item, among) >= 0;
}

const ALL =
  /\b(all (?:the |of the |my )?(?:items|of them|products|things)|everything|whole order|entire order|both)\b/i;

/** Clauses of the customer's messages with the items in focus while each was written. */
export function focusedClauses(events: TauEvent[], items: Item[]): { text: string; focus: Item[] }[] {
  const out: { text: string; focus: Item[] }[] = [];
  let focus: Item[] = [];
  for (const e of events) {
    if (e.kind === 'say') {
      const named = items.filter((it) => namesItem(e.text, it, items));
      if (named.length) focus = named;
      continue;
    }
    if (e.kind !== 'customer') continue;
    for (const s of sentences(e.text)) {
      for (const clause of s.split(/,|;|\band\b|\bwith\b/i)) {
        const named = items.filter((it) => namesItem(clause, it, items));
        if (named.length) focus = named;
        out.push({ text: clause, focus: focus.length ? focus : items });
      }
    }
  }
  return out;
}

/** The order's items the customer has named (or all of them when it said so). */
export function mentionedItems(texts: string[], order: Order): Item[] {
  if (texts.some((t) => ALL.test(t))) return order.items;
  const parens = (it: Item, t: string): RegExpMatchArray[] => {
    const esc = it.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [...t.matchAll(new RegExp(`${esc}\\s*\\(([^)]*)\\)`, 'gi'))];
  };
  // In the order the customer first named them (the tool's lists keep that order); an item it
  // described with all its options is placed where that description is (twins of one product).
  const first = (it: Item): number => {
    for (let i = 0; i < texts.length; i++)
      for (const m of parens(it, texts[i]))
        if (Object.values(it.options).every((v) => mentionIndex(m[1], v) >= 0))
          return i * 100_000 + (m.index ?? 0);
    for (let i = 0; i < texts.length; i++) {
      const at = itemMention(texts[i], it, order.items);
      if (at >= 0) return i * 100_000 + at;
    }
    return -1;
  };
  // An order can hold the same item twice: the customer means one of them.
  const distinct = order.items.filter(
    (it, i) => order.items.findIndex((x) => x.item_id === it.item_id) === i,
  );
  const named = distinct
    .map((it) => ({ it, at: first(it) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.it);
  // Two different items of one product: the customer's words about their options tell which.
  // Its description is the parenthesis after its name ("the Skateboard (plastic, 34 inch, plain)"),
  // else the sentences that name it.
  const described = (it: Item): string => {
    const paren = texts.flatMap((t) => parens(it, t).map((m) => m[1]));
    return paren.length
      ? paren.join('\n')
      : texts
          .flatMap(sentences)
          .filter((x) => namesItem(x, it, order.items))
          .join('\n');
  };
  const fit = (it: Item): number => {
    const d = described(it);
    return Object.values(it.options).filter((v) => mentionIndex(d, v) >= 0).length;
  };
  return named.filter((it) => {
    const twins = named.filter((x) => x.name === it.name);
    return twins.length < 2 || fit(it) === Math.max(...twins.map(fit));
  });
}

function lastIndex<T>(xs: T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return i;
  return -1;
}

const GENERIC = /^(yes|no|none|standard|basic|regular|other)$/i;

const SAME = /\b(exact same|same options|same one|same item|same variant|identical)\b/i;

export type VariantChoice =
  | { kind: 'found'; variant: Variant; near: Variant[] }
  | { kind: 'no-wish' }
  | { kind: 'unavailable'; desired: Record<string, string> };

/** The option values the customer wants for one item: per option, the latest value it named that
 * differs from the item's own (a value it repeats from the item it has is a description). */
export function desiredOptions(
  clauses: { text: string; focus: Item[] }[],
  item: Item,
  product: Product,
): Record<string, string> {
  const names = Object.keys(item.options);
  const vocab = new Map<string, string[]>(); // value -> option names that take it
  for (const v of product.variants)
    for (const [k, val] of Object.entries(v.options)) {
      const ks = vocab.get(val) ?? [];
      if (!ks.includes(k)) ks.push(k);
      vocab.set(val, ks);
    }
  const latest: Record<string, { value: string; at: number }> = {};
  clauses.forEach((c, ci) => {
    if (!c.focus.includes(item)) return;
    for (const [val, ks] of vocab) {
      const pos = mentionIndex(c.text, val);
      if (pos < 0) continue;
      // Words like "yes", "no", "none" are an option's value only next to its name.
      if (GENERIC.test(val) && !ks.some((k) => mentionIndex(c.text, k) >= 0)) continue;
      // A value two options share ("black" frame or lens) goes to the option the clause names.
      const named = ks.filter((k) => k.split(/\s+/).some((w) => mentionIndex(c.text, w) >= 0));
      const k = named[0] ?? ks.find((x) => item.options[x] !== val) ?? ks[0];
      if (!names.includes(k) || item.options[k] === val) continue;
      const at = ci * 10_000 + pos;
      if (!latest[k] || latest[k].at <= at) latest[k] = { value: val, at };
    }
  });
  const desired = { ...item.options };
  for (const [k, { value }] of Object.entries(latest)) desired[k] = value;
  return desired;
}

const sameOptions = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

function differences(a: Record<string, string>, b: Record<string, string>): number {
  return Object.keys(a).filter((k) => a[k] !== b[k]).length;
}

export function chooseVariant(
  clauses: { text: string; focus: Item[] }[],
  item: Item,
  product: Product,
): VariantChoice {
  const desired = desiredOptions(clauses, item, product);
  const changed = Object.keys(desired).filter((k) => desired[k] !== item.options[k]);
  const available = product.variants.filter((v) => v.available && v.item_id !== item.item_id);
  // "The exact same options": the item itself, when that is the customer's last word on it.
  const same = lastIndex(clauses, (c) => c.focus.includes(item) && SAME.test(c.text));
  const lastChange = lastIndex(
    clauses,
    (c) => c.focus.includes(item) && changed.some((k) => mentionIndex(c.text, desired[k]) >= 0),
  );
  if (same >= 0 && same > lastChange) {
    const self = product.variants.find((v) => v.item_id === item.item_id) ?? {
      item_id: item.item_id,
      options: item.options,
      available: true,
      price: item.price,
    };
    return {
      kind: 'found',
      variant: self,
      near: available.filter((v) => differences(v.options, self.options) === 1),
    };
  }
  if (changed.length === 0) return { kind: 'no-wish' };
  let best = available.find((v) => sameOptions(v.options, desired));
  if (!best) {
    // No exact one: the closest that has every change asked for.
    const fits = available
      .filter((v) => changed.every((k) => v.options[k] === desired[k]))
      .sort((a, b) => differences(a.options, desired) - differences(b.options, desired));
    best = fits[0];
  }
  if (!best) return { kind: 'unavailable', desired };
  const chosen = best;
  const near = available.filter((v) => v !== chosen && differences(v.options, chosen.options) === 1);
  return { kind: 'found', variant: chosen, near };
}

export function describeOptions(options: Record<string, string>): string {
  return Object.values(options).join(', ');
}

/** The available values per option of a product, for a question. */
export function availableOptions(product: Product): string {
  const per = new Map<string, Set<string>>();
  for (const v of product.variants)
    if (v.available)
      for (const [k, val] of Object.entries(v.options)) per.set(k, (per.get(k) ?? new Set()).add(val));
  return [...per].map(([k, vals]) => `${k}: ${[...vals].join(', ')}`).join('; ');
}
