// The pure JOSH search, case by case against spec section 2, with a toy scorer: goal i is a
// tool name and a call satisfies the first remaining goal with its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agentView,
  applyAgentTurn,
  applyUserReply,
  beginStep,
  createSearch,
  currentTree,
  goldenPath,
  harvestMessages,
  liveLeaves,
  progress,
  rewardCheck,
  userView,
  type AgentTurn,
  type Search,
  type TurnScorer,
} from '../src/josh/search';
import { END_MARKER, type CallMade } from '../src/shared/messages';

const goals = ['search_hotel', 'book_hotel'];
const score: TurnScorer = (remaining, calls) => {
  const left = [...remaining];
  const out: number[] = [];
  for (const c of calls) {
    const i = left.findIndex((g) => goals[g] === c.name);
    if (i >= 0) out.push(left.splice(i, 1)[0]);
  }
  return out;
};

const call = (name: string): CallMade => ({ name, arguments: {}, returned: [] });
function turn(say: string, ...tools: string[]): AgentTurn {
  return {
    messages: [
      ...tools.flatMap((t, i) => [
        { role: 'assistant' as const, content: null, toolCalls: [{ id: `c${i}`, name: t, arguments: {} }] },
        { role: 'tool' as const, toolCallId: `c${i}`, name: t, content: '[]' },
      ]),
      { role: 'assistant' as const, content: say },
    ],
    calls: tools.map(call),
  };
}

const beam = { beamSize: 8, branching: 2 };

test('the beam grows 1 → 2 → 4 → 8 and then leaves continue in place', () => {
  const s = createSearch('hi', 2);
  const sizes: number[] = [];
  for (let step = 0; step < 5; step++) {
    const leaves = beginStep(s, beam);
    sizes.push(leaves.length);
    for (const id of leaves) applyAgentTurn(s, id, turn('ok'));
    for (const id of liveLeaves(s)) applyUserReply(s, id, 'go on');
  }
  assert.deepEqual(sizes, [2, 4, 8, 8, 8]);
  // 1 root + 2 + 4 + 8 nodes; steps 4 and 5 added turns to the 8 leaves instead of new nodes.
  assert.equal(s.nodes.length, 15);
  assert.equal(s.nodes[liveLeaves(s)[0]].turns.length, 3);
});

test('dead leaves shrink the beam and it re-expands when it has room', () => {
  const s = createSearch('hi', 2);
  for (let step = 0; step < 3; step++) {
    for (const id of beginStep(s, beam)) applyAgentTurn(s, id, turn('ok'));
    for (const id of liveLeaves(s)) applyUserReply(s, id, 'go on');
  }
  const leaves = liveLeaves(s);
  assert.equal(leaves.length, 8);
  // Four leaves hang up: 4 live leaves × 2 ≤ 8, so the next step expands again.
  for (const id of leaves.slice(0, 4)) {
    applyAgentTurn(s, id, turn('more'));
    applyUserReply(s, id, `bye ${END_MARKER}`);
  }
  const next = beginStep(s, beam);
  assert.equal(next.length, 8);
  assert.ok(next.every((id) => s.nodes[id].createdAt === s.step));
});

test('an agent error ends only that leaf', () => {
  const s = createSearch('hi', 2);
  const [a, b] = beginStep(s, beam);
  applyAgentTurn(s, a, { messages: [], calls: [], error: 'model refused' });
  applyAgentTurn(s, b, turn('ok'));
  assert.deepEqual(liveLeaves(s), [b]);
  assert.equal(s.nodes[a].endReason, 'agent-error');
});

function stepWith(s: Search, turns: AgentTurn[]): number[] {
  const leaves = beginStep(s, beam);
  leaves.forEach((id, i) => applyAgentTurn(s, id, turns[i] ?? turn('...')));
  return leaves;
}

test('no reward: no collapse, nothing harvested', () => {
  const s = createSearch('hi', 2);
  const leaves = stepWith(s, [turn('a'), turn('b')]);
  const out = rewardCheck(s, leaves, score);
  assert.equal(out.collapsedTo, null);
  assert.equal(s.harvest.length, 0);
  assert.deepEqual(progress(s), { reward: 0, success: false });
});

test('collapse: first rewarded leaf in tree order is golden, every rewarded path successful', () => {
  const s = createSearch('need a hotel', 2);
  let leaves = stepWith(s, [turn('a'), turn('b')]);
  rewardCheck(s, leaves, score);
  for (const id of liveLeaves(s)) applyUserReply(s, id, 'cheap please');
  // Step 2: four leaves; the 2nd and 4th search the hotel.
  leaves = stepWith(s, [
    turn('x'),
    turn('found', 'search_hotel'),
    turn('y'),
    turn('found too', 'search_hotel'),
  ]);
  const [l1, l2, l3, l4] = leaves;
  const out = rewardCheck(s, leaves, score);
  assert.deepEqual(out.rewardedLeaves, [l2, l4]);
  assert.equal(out.collapsedTo, l2);
  const n = s.nodes;
  assert.ok(n[l2].isGoldenPath && n[l2].isSuccessful);
  assert.ok(n[l4].isSuccessful && !n[l4].isGoldenPath);
  assert.ok(!n[l1].isSuccessful && !n[l3].isSuccessful);
  // Ancestors: the parent of l2 is golden; the root is golden and successful.
  assert.ok(n[n[l2].parentId!].isGoldenPath);
  assert.ok(n[0].isGoldenPath && n[0].isSuccessful);
  // The parent of l3/l4 is successful (l4 was rewarded) but not golden.
  assert.ok(n[n[l4].parentId!].isSuccessful && !n[n[l4].parentId!].isGoldenPath);
  // Harvest: every node of the tree before collapse, (root, 2 children, 4 leaves) with
  // content duplicates removed: root and the two step-1 nodes differ by content here.
  assert.equal(s.harvest.length, 7);
  assert.deepEqual(s.remaining, [1]);
  assert.equal(s.rootId, l2);
  assert.deepEqual(currentTree(s), [l2]);
  assert.deepEqual(progress(s), { reward: 0.5, success: false });
});

test('harvest removes duplicates and trims trailing user messages', () => {
  const s = createSearch('hi', 1);
  const leaves = stepWith(s, [turn('same', 'search_hotel'), turn('same', 'search_hotel')]);
  rewardCheck(s, leaves, score);
  // Both leaves are identical in content and both successful; the first is golden too, so the
  // two differ only by flag: root + golden leaf + successful leaf.
  assert.equal(s.harvest.length, 3);
  const root = s.harvest.find((h) => h.nodeId === 0)!;
  // The root holds only the opening user message, which is trimmed away.
  assert.deepEqual(harvestMessages(s, root), []);
});

test('success: all goals done; golden path is the longest golden conversation', () => {
  const s = createSearch('hotel please', 2);
  let leaves = stepWith(s, [turn('which area?'), turn('found', 'search_hotel')]);
  rewardCheck(s, leaves, score);
  applyUserReply(s, s.rootId, 'book it for 2');
  leaves = stepWith(s, [turn('booked', 'book_hotel'), turn('hmm')]);
  const out = rewardCheck(s, leaves, score);
  assert.equal(out.collapsedTo, leaves[0]);
  assert.deepEqual(progress(s), { reward: 1, success: true });
  const path = goldenPath(s)!;
  assert.deepEqual(
    path.map((m) => m.role),
    ['user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant'],
  );
  assert.equal(path[0].role === 'user' && path[0].content, 'hotel please');
  // The failed sibling at the same prefix was harvested as neither successful nor golden.
  const failed = s.harvest.filter((h) => !h.isSuccessful && !h.isGoldenPath);
  assert.ok(failed.some((h) => h.nodeId === leaves[1]));
});

test('views: the user sees what the agent said, the agent sees tool calls and results', () => {
  const s = createSearch('hello', 1);
  const [a] = beginStep(s, { beamSize: 1, branching: 1 });
  applyAgentTurn(s, a, turn('found one', 'search_hotel'));
  applyUserReply(s, a, 'great');
  assert.deepEqual(userView(s, a), [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: 'found one' },
    { role: 'user', content: 'great' },
  ]);
  assert.deepEqual(
    agentView(s, a).map((m) => m.role),
    ['user', 'assistant', 'tool', 'assistant', 'user'],
  );
});

test('beam 1 is a single rollout: one new node per step', () => {
  const s = createSearch('hi', 2);
  for (let i = 0; i < 3; i++) {
    const leaves = beginStep(s, { beamSize: 1, branching: 1 });
    assert.equal(leaves.length, 1);
    applyAgentTurn(s, leaves[0], turn('ok'));
    applyUserReply(s, leaves[0], 'more');
  }
  assert.equal(s.nodes.length, 4);
});

test('a goal appearing twice is a multiset: each occurrence needs a call of its own', () => {
  // The same goal call twice (search, book, search again), scored by name as the toy scorer does.
  const repeated = ['search_hotel', 'book_hotel', 'search_hotel'];
  const byName: TurnScorer = (remaining, calls) => {
    const left = [...remaining];
    const out: number[] = [];
    for (const c of calls) {
      const i = left.findIndex((g) => repeated[g] === c.name);
      if (i >= 0) out.push(left.splice(i, 1)[0]);
    }
    return out;
  };
  const s = createSearch('two searches and a booking', repeated.length);
  let leaves = stepWith(s, [turn('found', 'search_hotel'), turn('b')]);
  rewardCheck(s, leaves, byName);
  // One call consumed one copy: the other search is still owed.
  assert.deepEqual(s.remaining, [1, 2]);
  assert.deepEqual(progress(s), { reward: 1 / 3, success: false });
  applyUserReply(s, s.rootId, 'book it');
  leaves = stepWith(s, [turn('booked', 'book_hotel'), turn('c')]);
  rewardCheck(s, leaves, byName);
  assert.deepEqual(s.remaining, [2]);
  assert.equal(progress(s).success, false, 'done with one of the two searches still to make');
  applyUserReply(s, s.rootId, 'and search again');
  leaves = stepWith(s, [turn('d'), turn('found again', 'search_hotel')]);
  const out = rewardCheck(s, leaves, byName);
  assert.equal(out.collapsedTo, leaves[1]);
  assert.deepEqual(s.remaining, []);
  assert.deepEqual(progress(s), { reward: 1, success: true });

  // Both copies in one turn: two calls, two goals; one call of a pair leaves one copy.
  const once = createSearch('hi', repeated.length);
  rewardCheck(once, stepWith(once, [turn('x', 'search_hotel', 'search_hotel')]), byName);
  assert.deepEqual(once.remaining, [1]);
});
