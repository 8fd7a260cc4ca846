// Reading product types and option values in plain text with the store's vocabulary (world.ts):
// "the tea kettle", "my sneaker", "the jigsaw" all name a product type; "size 9", "rose gold",
// "1.5 liters" are option values of it.
import type { RetailWorld } from '../world';

export interface ProductMention {
  product: string;
  index: number;
  end: number;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Alias {
  re: RegExp;
  product: string;
}

const aliasCache = new WeakMap<RetailWorld, Alias[]>();
const FIRST_WORD_NAMES = new Set([
  'jigsaw',
  'dumbbell',
  'luggage',
  'makeup',
  'yoga',
  'fleece',
  'bluetooth',
  'hiking',
  'cycling',
  'patio',
]);

/** Each product type's spellings: its name, singular/plural, and its last word when no other type
 * ends with it ("jigsaw" and "puzzle" for Jigsaw Puzzle, "boots" for Hiking Boots). */
function aliases(world: RetailWorld): Alias[] {
  let out = aliasCache.get(world);
  if (out) return out;
  const lastWords = new Map<string, string[]>();
  for (const p of world.productTypes) {
    const last = p.toLowerCase().split(/\s+/).pop() ?? '';
    const key = last.replace(/s$/, '');
    lastWords.set(key, [...(lastWords.get(key) ?? []), p]);
  }
  const values = new Set(world.allOptionValues.map((v) => v.toLowerCase()));
  const list: { word: string; product: string }[] = [];
  for (const p of world.productTypes) {
    const lower = p.toLowerCase();
    const words = lower.split(/\s+/);
    list.push({ word: lower.replace(/s$/, ''), product: p });
    const last = words[words.length - 1].replace(/s$/, '');
    if (words.length > 1 && lastWords.get(last)?.length === 1) list.push({ word: last, product: p });
    // The first word of a two-word name when it is distinctive ("jigsaw", "espresso", "yoga").
    // Only words that say the product on their own: "water", "gaming" or "office" do not.
    if (words.length > 1 && FIRST_WORD_NAMES.has(words[0]) && !values.has(words[0]))
      list.push({ word: words[0], product: p });
  }
  list.sort((a, b) => b.word.length - a.word.length);
  out = list.map(({ word, product }) => ({
    re: new RegExp(`\\b${escape(word).replace(/[\s-]+/g, '[\\s-]*')}(?:e?s)?\\b`, 'gi'),
    product,
  }));
  aliasCache.set(world, out);
  return out;
}

/** Product types named in a text, in order, longest spelling first where they overlap. */
export function findProducts(world: RetailWorld, text: string): ProductMention[] {
  const found: ProductMention[] = [];
  for (const a of aliases(world)) {
    a.re.lastIndex = 0;
    for (let m = a.re.exec(text); m; m = a.re.exec(text)) {
      const index = m.index;
      const end = index + m[0].length;
      if (found.some((f) => index < f.end && end > f.index)) continue;
      found.push({ product: a.product, index, end });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Whether `value` appears in `text` as a word (case-insensitive, except one- and two-letter values
 * such as sizes "M" and "L", which must match exactly). */
export function mentions(text: string, value: string): boolean {
  const flags = value.length <= 2 ? '' : 'i';
  return new RegExp(`(?<![\\w-])${escape(value)}(?![\\w-])`, flags).test(text);
}

/** The option values of `product` named in `text`, each with its option, longest values first and
 * never two overlapping ("rose gold" wins over "gold"). */
export function findOptionValues(
  world: RetailWorld,
  product: string,
  text: string,
): { option: string; value: string; index: number }[] {
  const opts = world.options[product] ?? {};
  const pairs: { option: string; value: string }[] = [];
  for (const [option, values] of Object.entries(opts))
    for (const value of values) pairs.push({ option, value });
  pairs.sort((a, b) => b.value.length - a.value.length);
  const taken: [number, number][] = [];
  const out: { option: string; value: string; index: number }[] = [];
  for (const { option, value } of pairs) {
    // "yes"/"no"/"none" as option values are too common as words to read without their option name.
    if (
      ['yes', 'no', 'none'].includes(value.toLowerCase()) &&
      !new RegExp(`${escape(option)}`, 'i').test(text)
    )
      continue;
    const re = new RegExp(`(?<![\\w-])${escape(value)}(?![\\w-])`, value.length <= 2 ? 'g' : 'gi');
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const s = m.index;
      const e = s + m[0].length;
      if (taken.some(([a, b]) => s < b && e > a)) continue;
      // A bare number is a value only beside its option's name ("size 9", "1000 pieces").
      if (/^\d+$/.test(value)) {
        const around = text.slice(Math.max(0, s - 12), e + 12).toLowerCase();
        if (!around.includes(option.toLowerCase()) && !(option === 'pieces' && around.includes('piece')))
          continue;
      }
      taken.push([s, e]);
      out.push({ option, value, index: s });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Product types named exactly as the catalogue spells them (how an agent names them). */
export function findProductNames(world: RetailWorld, text: string): string[] {
  return world.productTypes.filter((p) => new RegExp(`(?<![\\w-])${escape(p)}(?![\\w-])`).test(text));
}
