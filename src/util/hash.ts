// A small stable string hash (FNV-1a, 32 bit). Pure, so workflows use it to derive per-branch
// seeds and content-derived names deterministically.
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A seed in the positive 31-bit range that OpenAI-compatible servers accept. */
export function seedOf(...parts: (string | number)[]): number {
  return fnv1a(parts.join('/')) & 0x7fffffff;
}
