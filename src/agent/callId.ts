// Deterministic tool-call ids for calls the model did not name, so re-parsing the same completion
// (an activity retry, a replay) yields the same records.

/** FNV-1a, 32 bit, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const derivedCallId = (prefix: string, text: string): string => `${prefix}_${fnv1a(text)}`;
