// The JOSH turn-level beam search (spec section 2) as pure, deterministic state transitions.
// No Temporal, no I/O: the conversation workflow drives it step by step, and tests drive it
// directly. Node histories are not stored per node; they are rebuilt from the turn records along
// the ancestor chain, so the search state (and every payload derived from it) stays small.
import type { CallMade, Message } from '../shared/messages';
import { END_MARKER } from '../shared/messages';
import type { TreeNode, TurnRecord } from '../shared/results';

export interface BeamParams {
  beamSize: number;
  branching: number;
}

/** A harvested node by reference: its messages are those of `nodeId` after its first `turnCount`
 * turns (spec 2, step 4). `buildHarvest` expands references into messages. */
export interface HarvestRef {
  nodeId: number;
  turnCount: number;
  isSuccessful: boolean;
  isGoldenPath: boolean;
}

export interface Search {
  opening: string;
  goalCount: number;
  /** Goal indices not yet satisfied: a multiset over goal calls (a goal may repeat). */
  remaining: number[];
  /** Every node ever created, indexed by id; collapse detaches nodes but never deletes them. */
  nodes: TreeNode[];
  children: number[][];
  rootId: number;
  step: number;
  harvest: HarvestRef[];
  /** Content keys of harvested nodes, for "without duplicates". */
  harvestKeys: string[];
}

export interface AgentTurn {
  messages: Message[];
  calls: CallMade[];
  /** Set when the turn failed (non-retryable model error, unrecoverable output): the leaf dies. */
  error?: string;
  /** Set when a tool call ended the conversation (τ-bench's transfer to a human agent): the leaf
   * ends after this turn, which is still scored (the transfer may itself be a goal call). */
  endsConversation?: boolean;
}

export function createSearch(opening: string, goalCount: number): Search {
  return {
    opening,
    goalCount,
    remaining: Array.from({ length: goalCount }, (_, i) => i),
    nodes: [newNode(0, null, 0)],
    children: [[]],
    rootId: 0,
    step: 0,
    harvest: [],
    harvestKeys: [],
  };
}

function newNode(id: number, parentId: number | null, createdAt: number): TreeNode {
  return {
    id,
    parentId,
    createdAt,
    turns: [],
    conversationOver: false,
    isSuccessful: false,
    isGoldenPath: false,
  };
}

/** Nodes of the current tree (from the current root) in tree order: depth first, left to right. */
export function currentTree(s: Search): number[] {
  const out: number[] = [];
  const visit = (id: number): void => {
    out.push(id);
    for (const c of s.children[id]) visit(c);
  };
  visit(s.rootId);
  return out;
}

export function liveLeaves(s: Search): number[] {
  return currentTree(s).filter((id) => s.children[id].length === 0 && !s.nodes[id].conversationOver);
}

/** Step 1: start a step; expand every live leaf into `branching` copies when the beam has room,
 * otherwise let the live leaves continue in place. Returns the leaves that take an agent turn. */
export function beginStep(s: Search, p: BeamParams): number[] {
  s.step += 1;
  const leaves = liveLeaves(s);
  if (p.branching * leaves.length > p.beamSize) return leaves;
  const fresh: number[] = [];
  for (const leaf of leaves) {
    for (let b = 0; b < p.branching; b++) {
      const id = s.nodes.length;
      s.nodes.push(newNode(id, leaf, s.step));
      s.children.push([]);
      s.children[leaf].push(id);
      fresh.push(id);
    }
  }
  return fresh;
}

/** Step 2: record one leaf's agent turn. A failed turn ends that leaf's conversation only. */
export function applyAgentTurn(s: Search, nodeId: number, turn: AgentTurn): void {
  const node = s.nodes[nodeId];
  const record: TurnRecord = {
    step: s.step,
    messages: turn.messages,
    calls: turn.calls,
    rewardedGoals: [],
    userReply: null,
  };
  if (turn.error !== undefined) {
    record.error = turn.error;
    node.conversationOver = true;
    node.endReason = 'agent-error';
  } else if (turn.endsConversation) {
    node.conversationOver = true;
    node.endReason = 'agent-ended';
  }
  node.turns.push(record);
}

export type TurnScorer = (remaining: number[], turnCalls: CallMade[]) => number[];

export interface RewardOutcome {
  rewardedLeaves: number[];
  /** The collapse target (first rewarded leaf in tree order), now the root; null if none. */
  collapsedTo: number | null;
}

/** Steps 3 and 4: score the turns just taken against the remaining goals; on any reward, mark,
 * harvest, and collapse the tree to the first rewarded leaf. */
export function rewardCheck(s: Search, leaves: number[], score: TurnScorer): RewardOutcome {
  const inOrder = currentTree(s).filter((id) => leaves.includes(id));
  const rewardedLeaves: number[] = [];
  for (const id of inOrder) {
    const turn = lastTurnAt(s, id, s.step);
    if (!turn || turn.error !== undefined) continue;
    const satisfied = score(s.remaining, turn.calls);
    if (satisfied.length > 0) {
      turn.rewardedGoals = satisfied;
      rewardedLeaves.push(id);
    }
  }
  if (rewardedLeaves.length === 0) return { rewardedLeaves, collapsedTo: null };
  const target = rewardedLeaves[0];
  for (const id of rewardedLeaves) markPath(s, id, 'isSuccessful');
  markPath(s, target, 'isGoldenPath');
  harvestCurrentTree(s);
  const satisfied = lastTurnAt(s, target, s.step)!.rewardedGoals;
  s.remaining = removeOnce(s.remaining, satisfied);
  // The target becomes the detached root. Spec: its successful flag is cleared; that only matters
  // for later harvests, where it is re-marked as an ancestor of the next target anyway, so the
  // record keeps the flag the node earned (the report shows it).
  s.rootId = target;
  return { rewardedLeaves, collapsedTo: target };
}

function lastTurnAt(s: Search, id: number, step: number): TurnRecord | undefined {
  const turns = s.nodes[id].turns;
  const last = turns[turns.length - 1];
  return last && last.step === step ? last : undefined;
}

/** Mark a node and its ancestors within the current tree. */
function markPath(s: Search, id: number, flag: 'isSuccessful' | 'isGoldenPath'): void {
  let cur: number | null = id;
  while (cur !== null) {
    s.nodes[cur][flag] = true;
    if (cur === s.rootId) break;
    cur = s.nodes[cur].parentId;
  }
}

function removeOnce(multiset: number[], items: number[]): number[] {
  const out = [...multiset];
  for (const it of items) {
    const i = out.indexOf(it);
    if (i >= 0) out.splice(i, 1);
  }
  return out;
}

function harvestCurrentTree(s: Search): void {
  for (const id of currentTree(s)) {
    const node = s.nodes[id];
    const ref: HarvestRef = {
      nodeId: id,
      turnCount: node.turns.length,
      isSuccessful: node.isSuccessful,
      isGoldenPath: node.isGoldenPath,
    };
    const key = JSON.stringify([harvestMessages(s, ref), ref.isSuccessful, ref.isGoldenPath]);
    if (s.harvestKeys.includes(key)) continue;
    s.harvestKeys.push(key);
    s.harvest.push(ref);
  }
}

/** Step 5: the progress reward, and whether every goal call is done. */
export function progress(s: Search): { reward: number; success: boolean } {
  const done = s.goalCount - s.remaining.length;
  return { reward: s.goalCount === 0 ? 1 : done / s.goalCount, success: s.remaining.length === 0 };
}

/** Step 6: record a user-simulator reply on a live leaf; the end marker ends that conversation. */
export function applyUserReply(s: Search, nodeId: number, text: string): void {
  const node = s.nodes[nodeId];
  const last = node.turns[node.turns.length - 1];
  if (!last) throw new Error(`node ${nodeId} has taken no turn to reply to`);
  last.userReply = text;
  if (text.includes(END_MARKER)) {
    node.conversationOver = true;
    node.endReason = 'user-ended';
  }
}

/** The chain of (node, turns of it that precede the point) from the original root to a point. */
function chain(s: Search, nodeId: number, turnCount: number): TurnRecord[] {
  const parts: TurnRecord[][] = [];
  let cur: number | null = nodeId;
  let limit = turnCount;
  while (cur !== null) {
    parts.push(s.nodes[cur].turns.slice(0, limit));
    // A node stops taking turns once it has children, so all of a parent's turns come first.
    cur = s.nodes[cur].parentId;
    limit = Infinity;
  }
  return parts.reverse().flat();
}

/** The agent-visible conversation of a node (no system prompt): opening, then per turn the
 * agent's messages and the user's reply. */
export function agentView(s: Search, nodeId: number, turnCount = Infinity): Message[] {
  const out: Message[] = [{ role: 'user', content: s.opening }];
  for (const t of chain(s, nodeId, turnCount)) {
    out.push(...t.messages);
    if (t.userReply !== null) out.push({ role: 'user', content: t.userReply });
  }
  return out;
}

/** The conversation as the user simulator sees it: its own messages and what the agent said. */
export function userView(s: Search, nodeId: number): Message[] {
  const out: Message[] = [{ role: 'user', content: s.opening }];
  for (const t of chain(s, nodeId, Infinity)) {
    const said = spokenText(t);
    if (said !== null) out.push({ role: 'assistant', content: said });
    if (t.userReply !== null) out.push({ role: 'user', content: t.userReply });
  }
  return out;
}

/** What the agent said to the user in a turn: its final assistant message without tool calls. */
export function spokenText(t: TurnRecord): string | null {
  const last = t.messages[t.messages.length - 1];
  if (!last || last.role !== 'assistant' || (last.toolCalls && last.toolCalls.length > 0)) return null;
  return last.content ?? '';
}

/** A harvested node's messages: agent-visible, trailing user messages trimmed (spec 2, step 4). */
export function harvestMessages(s: Search, ref: HarvestRef): Message[] {
  const msgs = agentView(s, ref.nodeId, ref.turnCount);
  while (msgs.length > 0 && msgs[msgs.length - 1].role === 'user') msgs.pop();
  return msgs;
}

/** The golden path: the longest golden harvested conversation, or null when nothing was golden. */
export function goldenPath(s: Search): Message[] | null {
  let best: Message[] | null = null;
  for (const ref of s.harvest) {
    if (!ref.isGoldenPath) continue;
    const msgs = harvestMessages(s, ref);
    if (best === null || msgs.length > best.length) best = msgs;
  }
  return best;
}

/** Every tool call along a node's path, in order (the whole-conversation scoring input). */
export function pathCalls(s: Search, nodeId: number): CallMade[] {
  return chain(s, nodeId, Infinity).flatMap((t) => t.calls);
}

/** What the agent said to the user along a node's path, in order (τ-bench's outputs check). */
export function pathAgentTexts(s: Search, nodeId: number): string[] {
  return chain(s, nodeId, Infinity)
    .map(spokenText)
    .filter((t): t is string => t !== null);
}

/** End a leaf for a reason outside the agent's turn (the user simulator failed). */
export function endLeaf(s: Search, nodeId: number, reason: string): void {
  s.nodes[nodeId].conversationOver = true;
  s.nodes[nodeId].endReason = reason;
}

/** The leaf whose path a single rollout is scored on: the first leaf of the current tree. */
export function finalLeaf(s: Search): number {
  return currentTree(s).find((id) => s.children[id].length === 0) ?? s.rootId;
}
