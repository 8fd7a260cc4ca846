// Which conversations feed which export, as upstream filters them (spec 3): SFT takes the golden
// path of a successful conversation with no error marker on it; preference data comes from the
// same conversations (upstream's KTO script applies the same filter) unless partial credit is let in.
import type { Message } from '../shared/messages';
import { hasErrorMarker } from './messages';
import type { ConversationForExport } from './schema';

export const DROP_NOT_SUCCESSFUL = 'not successful (reward < 1)';
export const DROP_NO_GOLDEN_PATH = 'no golden path';
export const DROP_ERROR_MARKER = 'error marker on the golden path';

export type Selected = { ok: true; messages: Message[] } | { ok: false; reason: string };

/** The SFT conversation: the golden path, ending at its last assistant message (anything after
 * it carries no training signal, and ShareGPT readers reject a conversation not ending on the
 * assistant). */
export function sftPath(c: ConversationForExport): Selected {
  if (!c.success) return { ok: false, reason: DROP_NOT_SUCCESSFUL };
  return checkedGoldenPath(c.goldenPath);
}

/** Whether a conversation's harvested nodes may feed KTO/DPO; returns its golden path. */
export function preferenceSource(c: ConversationForExport, includePartial: boolean): Selected {
  if (!c.success && !includePartial) return { ok: false, reason: DROP_NOT_SUCCESSFUL };
  return checkedGoldenPath(c.goldenPath ?? longestGoldenNode(c));
}

function checkedGoldenPath(path: Message[] | null): Selected {
  const last = path ? lastAssistantIndex(path) : -1;
  if (!path || last < 0) return { ok: false, reason: DROP_NO_GOLDEN_PATH };
  if (path.some(hasErrorMarker)) return { ok: false, reason: DROP_ERROR_MARKER };
  return { ok: true, messages: path.slice(0, last + 1) };
}

function longestGoldenNode(c: ConversationForExport): Message[] | null {
  let longest: Message[] | null = null;
  for (const n of c.harvested) {
    if (n.isGoldenPath && n.messages.length > (longest?.length ?? 0)) longest = n.messages;
  }
  return longest;
}

function lastAssistantIndex(messages: Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'assistant') return i;
  return -1;
}
