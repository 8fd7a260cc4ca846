// The juxtaposition (spec 3): at one conversation prefix, the golden completion next to the
// completions of failed branches. Pure over canonical messages; KTO and DPO exports both read it.
import type { Message } from '../shared/messages';
import type { HarvestedNode } from '../shared/results';
import { completionKey, hasErrorMarker, isToolResult, messagesKey } from './messages';

/** One prompt with what the golden path said there and what failed branches said instead. */
export interface PromptGroup {
  prompt: Message[];
  positives: Message[];
  negatives: Message[];
}

export interface Juxtaposition {
  /** In conversation order (shorter prompts first). */
  groups: PromptGroup[];
  dropped: Record<string, number>;
}

interface Candidate {
  prompt: Message[];
  completion: Message;
}

export const DROP_NO_POSITIVE = 'negative with no golden completion at its prompt';
export const DROP_SAME_AS_POSITIVE = 'negative identical to the golden completion';
export const DROP_ERROR_COMPLETION = 'completion containing an error marker';

export function juxtapose(harvested: HarvestedNode[]): Juxtaposition {
  const dropped: Record<string, number> = {};
  const drop = (reason: string): void => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };

  const groups = new Map<string, PromptGroup>();
  for (const c of unique(harvested.filter((n) => n.isGoldenPath).flatMap(positivesOf))) {
    // Harness text such as the out-of-retries message is not a model decision worth teaching.
    if (hasErrorMarker(c.completion)) {
      drop(DROP_ERROR_COMPLETION);
      continue;
    }
    const key = messagesKey(c.prompt);
    const group = groups.get(key) ?? { prompt: c.prompt, positives: [], negatives: [] };
    group.positives.push(c.completion);
    groups.set(key, group);
  }

  const failed = harvested.filter((n) => !n.isSuccessful && !n.isGoldenPath);
  for (const c of unique(failed.flatMap(negativesOf))) {
    const group = groups.get(messagesKey(c.prompt));
    if (!group) drop(DROP_NO_POSITIVE);
    else if (hasErrorMarker(c.completion)) drop(DROP_ERROR_COMPLETION);
    // The same completion cannot be both desirable and undesirable at one prompt: a failed
    // branch that repeated the golden move failed later, not here.
    else if (group.positives.some((p) => completionKey(p) === completionKey(c.completion))) {
      drop(DROP_SAME_AS_POSITIVE);
    } else group.negatives.push(c.completion);
  }

  // Map order is first-seen order; a stable sort by prompt length gives conversation order.
  const ordered = [...groups.values()].sort((a, b) => a.prompt.length - b.prompt.length);
  return { groups: ordered, dropped };
}

/** Every assistant message of a golden path, with the messages before it as its prompt. */
function positivesOf(node: HarvestedNode): Candidate[] {
  return node.messages.flatMap((m, i) =>
    m.role === 'assistant' ? [{ prompt: node.messages.slice(0, i), completion: m }] : [],
  );
}

/** The assistant messages of a failed node's last agent turn: from the end back to the last real
 * user message, passing over tool results (upstream's reading of a failed branch). */
function negativesOf(node: HarvestedNode): Candidate[] {
  const out: Candidate[] = [];
  for (let i = node.messages.length - 1; i >= 0; i--) {
    const m = node.messages[i];
    if (m.role === 'user' && !isToolResult(m)) break;
    if (m.role === 'assistant') out.push({ prompt: node.messages.slice(0, i), completion: m });
  }
  return out.reverse();
}

/** Harvested nodes overlap (a golden child repeats its golden parent's path), so candidates repeat. */
function unique(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = messagesKey([...c.prompt, c.completion]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
