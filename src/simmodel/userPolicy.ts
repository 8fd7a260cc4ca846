// The simulated caller. It holds a goal parsed from its prompt (goalParser.ts) and, being
// stateless like the agent, replays the conversation on every request: each assistant message
// moves its progress (a place offered and checked against the goal, a booking confirmed or failed,
// nothing found, a question asked), and its own earlier messages tell it what it has already
// said. Then it decides its next message: reveal a constraint or two, answer, insist, switch to
// the fallback the goal names, ask for details, move to the next domain, or hang up.
import type { DbRow } from '../env/toolwoz/db';
import { END_MARKER } from '../shared/messages';
import { type AgentAct, agentAct, userAct } from './acts';
import type { DomainGoal, ParsedGoal } from './goalParser';
import { type BookSlot, type Domain, type SearchSlot, type Slot, normValue } from './ontology';
import { DOMAIN_NOUN, attrWord, constraintPhrase, intro } from './phrases';
import { Rng, hashString, mixSeeds } from './rng';
import { type World, findEntity, normText } from './vocab';

/** How many times the caller will repeat itself in one call (a wrong place offered, a requirement
 * contradicted or ignored, a question asked again, an error reply) before it gives up. Part of the
 * calibration in docs/simulated-model.md. */
export const PATIENCE = 2;
/** The caller hangs up after this many of its own messages whatever happens. */
export const MAX_USER_TURNS = 30;

type Said = Map<SearchSlot | BookSlot, string>;

interface DomainProgress {
  said: Said;
  infoSwitched: boolean;
  bookSwitched: boolean;
  accepted?: DbRow;
  booked: boolean;
  done: boolean;
}

interface UserState {
  idx: number;
  dom: DomainProgress[];
  frustration: number;
  turns: number;
  ended: boolean;
}

type Pair = [SearchSlot | BookSlot, string];

type Part =
  | { kind: 'greet' }
  | { kind: 'intro'; domain: Domain }
  | { kind: 'reveal'; domain: Domain; slots: Pair[] }
  | { kind: 'insist'; domain: Domain; slots: Pair[] }
  | { kind: 'noPreference'; slots: Slot[] }
  | { kind: 'accept' }
  | { kind: 'book'; domain: Domain; slots: Pair[] }
  | { kind: 'switch'; domain: Domain; slots: Pair[]; booking: boolean }
  | { kind: 'askReqt'; attrs: string[] }
  | { kind: 'declineBook' }
  | { kind: 'wrongPlace'; domain: Domain }
  | { kind: 'thanks' }
  | { kind: 'bye' }
  | { kind: 'giveUp' };

/** One exchange as the caller sees it: what the assistant said, then what the caller answered. */
export interface Exchange {
  agent: string | null;
  own: string | null;
}

export interface UserContext {
  world: World;
  goal: ParsedGoal;
  /** Seeds the caller's piecemeal choices so a replay makes the same choices as the first time. */
  goalKey: number;
}

const minutes = (t: string): number => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(t);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

function satisfies(row: DbRow, slot: SearchSlot, value: string): boolean {
  const v = row[slot];
  if (typeof v !== 'string') return false;
  if (slot === 'leaveAt') return minutes(v) >= minutes(value);
  if (slot === 'arriveBy') return minutes(v) <= minutes(value);
  if (slot === 'name') return normText(v) === normText(value);
  return normValue(v) === normValue(value);
}

function target(ctx: UserContext, st: UserState, g: DomainGoal, p: DomainProgress): Pair[] {
  const info = { ...(p.infoSwitched || !g.failInfo ? g.info : g.failInfo) };
  // Cross-references the sentences could not settle: the place chosen for the other domain.
  for (const r of g.refs) {
    const i = ctx.goal.domains.findIndex((x) => x.domain === r.from);
    const other = i >= 0 ? st.dom[i] : undefined;
    const v = r.kind === 'info' ? other?.accepted?.[r.attr] : undefined;
    if (typeof v === 'string' && r.slot !== 'people' && r.slot !== 'time' && r.slot !== 'stay')
      info[r.slot] = v;
  }
  return Object.entries(info).filter((e): e is Pair => typeof e[1] === 'string' && e[1] !== '');
}

function targetBook(g: DomainGoal, p: DomainProgress): Pair[] {
  const b = p.bookSwitched || !g.failBook ? g.book : g.failBook;
  return Object.entries(b ?? {}).filter((e): e is Pair => typeof e[1] === 'string' && e[1] !== '');
}

const isSaid = (p: DomainProgress, [slot, v]: Pair): boolean =>
  normValue(p.said.get(slot) ?? '') === normValue(v);

function initState(goal: ParsedGoal): UserState {
  return {
    idx: 0,
    dom: goal.domains.map(() => ({
      said: new Map(),
      infoSwitched: false,
      bookSwitched: false,
      booked: false,
      done: false,
    })),
    frustration: 0,
    turns: 0,
    ended: false,
  };
}

/** Decides one caller message and moves the state as if it had been said. */
function step(ctx: UserContext, st: UserState, agent: string | null): Part[] {
  const turnRng = new Rng(mixSeeds(ctx.goalKey, st.turns));
  // The caller's first message opens the call, whatever preceded it (an instruction it did not
  // recognise as one, or an assistant greeting).
  const opening = st.turns === 0;
  st.turns++;
  const parts: Part[] = [];
  const reveal = (g: DomainGoal, p: DomainProgress, max: number): boolean => {
    const fresh = target(ctx, st, g, p).filter((pair) => !isSaid(p, pair));
    const n = Math.min(fresh.length, max);
    if (n === 0) return false;
    const slots = fresh.slice(0, n);
    for (const [s, v] of slots) p.said.set(s, v);
    parts.push({ kind: 'reveal', domain: g.domain, slots });
    return true;
  };
  const piece = (): number => (turnRng.chance(0.5) ? 2 : 1);
  const startDomain = (g: DomainGoal, p: DomainProgress): void => {
    parts.push({ kind: 'intro', domain: g.domain });
    reveal(g, p, piece());
  };
  const finishDomain = (): void => {
    st.dom[st.idx].done = true;
    st.idx++;
    const next = ctx.goal.domains[st.idx];
    if (next) {
      parts.push({ kind: 'thanks' });
      startDomain(next, st.dom[st.idx]);
    } else {
      parts.push({ kind: 'bye' });
      st.ended = true;
    }
  };

  if (opening || agent === null) {
    parts.push({ kind: 'greet' });
    const g = ctx.goal.domains[0];
    if (g) startDomain(g, st.dom[0]);
    return parts;
  }
  if (st.turns > MAX_USER_TURNS || st.frustration >= PATIENCE) {
    st.ended = true;
    return [{ kind: 'giveUp' }];
  }
  const current = ctx.goal.domains[st.idx];
  if (current && st.dom[st.idx].done) {
    finishDomain();
    return parts;
  }
  if (!current) {
    st.ended = true;
    return [{ kind: 'bye' }];
  }
  const g: DomainGoal = current;
  const p = st.dom[st.idx];
  const act = agentAct(ctx.world, agent);
  // Having to repeat something already said is what wears a caller's patience down.
  let repeated = false;
  const insist = (slots: Pair[]): void => {
    parts.push({ kind: 'insist', domain: g.domain, slots: slots.slice(0, 2) });
    repeated = true;
  };
  const stuck = (): void => {
    // Restate what still matters, and add something new if anything is left.
    const said = target(ctx, st, g, p).filter((pair) => isSaid(p, pair));
    if (said.length) insist(said);
    reveal(g, p, 1);
  };
  const violations = (row: DbRow): Pair[] =>
    target(ctx, st, g, p).filter(([s, v]) => !satisfies(row, s as SearchSlot, v));
  /** Said values the assistant's message states differently ("without internet" when wifi was asked). */
  const contradicted = (pairs: Pair[]): Pair[] =>
    pairs.filter((pair) => {
      if (!isSaid(p, pair)) return false;
      const [slot, v] = pair;
      const m = act.a.mentions.find(
        (x) => (g.domain === 'train' && x.slot === 'time' ? 'leaveAt' : x.slot) === slot,
      );
      return m !== undefined && normValue(m.value) !== normValue(v);
    });
  const offered = offerFor(ctx.world, g.domain, act);

  if (act.error) {
    stuck();
    repeated = true;
  } else if (act.booked && g.book && !p.booked && (offered?.row || p.accepted)) {
    // A confirmation often names only the place or train id: the one accepted earlier, if the same.
    const sameAsAccepted =
      p.accepted && offered && entityKeyOf(g.domain, p.accepted) === normText(offered.key);
    const row = (sameAsAccepted ? p.accepted : offered?.row) ?? p.accepted!;
    const bad = violations(row);
    if (bad.length === 0) {
      p.accepted = row;
      p.booked = true;
      finishDomain();
    } else complain(bad);
  } else if (act.bookFailed && g.book) {
    const book = targetBook(g, p);
    const wrong = contradicted(book);
    const unsaid = book.filter((pair) => !isSaid(p, pair));
    if (wrong.length || unsaid.length) {
      // It tried with details the caller did not give: give them all, again where needed.
      for (const [sl, v] of book) p.said.set(sl, v);
      parts.push({ kind: 'book', domain: g.domain, slots: book });
      repeated = wrong.length > 0;
    } else if (g.failBook && !p.bookSwitched) {
      p.bookSwitched = true;
      const slots = targetBook(g, p);
      for (const [sl, v] of slots) p.said.set(sl, v);
      parts.push({ kind: 'switch', domain: g.domain, slots, booking: true });
    } else {
      parts.push({ kind: 'book', domain: g.domain, slots: book });
      repeated = true;
    }
  } else if (act.noMatch && !offered) {
    const wrong = contradicted(target(ctx, st, g, p));
    if (wrong.length) {
      insist(wrong);
      reveal(g, p, 1);
    } else if (g.failInfo && !p.infoSwitched) {
      p.infoSwitched = true;
      const changed = target(ctx, st, g, p).filter((pair) => !isSaid(p, pair) && p.said.has(pair[0]));
      for (const [sl, v] of changed) p.said.set(sl, v);
      if (changed.length) parts.push({ kind: 'switch', domain: g.domain, slots: changed, booking: false });
      else reveal(g, p, 1);
    } else stuck();
  } else if (offered) {
    const bad = offered.row ? violations(offered.row) : [];
    if (bad.length) complain(bad);
    else {
      if (offered.row) p.accepted = offered.row;
      parts.push({ kind: 'accept' });
      if (g.book && !p.booked) {
        askFor(act.asks.length ? act.asks : undefined);
      } else {
        const reqt = g.reqt.filter((r) => r !== 'reference');
        if (reqt.length) {
          parts.push({ kind: 'askReqt', attrs: reqt });
          p.done = true;
        } else finishDomain();
      }
    }
  } else if (act.offers.length && !p.accepted && !act.asks.length) {
    // Something of another kind (a hotel when it asked for an attraction): say what it wants.
    parts.push({ kind: 'wrongPlace', domain: g.domain });
    stuck();
    repeated = true;
  } else if (act.asks.length) {
    answer(act.asks);
  } else if (act.offerBook && g.book && p.accepted) {
    askFor(undefined);
  } else if (act.offerBook && !g.book && p.accepted) {
    parts.push({ kind: 'declineBook' });
    finishDomain();
  } else stuck();

  if (repeated) st.frustration++;
  return parts;

  function complain(bad: Pair[]): void {
    const said = bad.filter((pair) => isSaid(p, pair));
    const fresh = bad.filter((pair) => !isSaid(p, pair));
    if (said.length) insist(said);
    if (fresh.length) {
      const slots = fresh.slice(0, said.length ? 1 : 2);
      for (const [sl, v] of slots) p.said.set(sl, v);
      parts.push({ kind: 'reveal', domain: g.domain, slots });
    } else reveal(g, p, 1);
  }

  /** Booking details: the ones asked for, else the next one or two not yet given. */
  function askFor(asked: Slot[] | undefined): void {
    const all = targetBook(g, p);
    const fresh = all.filter((pair) => !isSaid(p, pair));
    const slots = asked ? all.filter(([s]) => asked.includes(s)) : fresh.slice(0, piece());
    for (const [s, v] of slots) p.said.set(s, v);
    parts.push({ kind: 'book', domain: g.domain, slots });
  }

  function answer(asks: Slot[]): void {
    const info = target(ctx, st, g, p);
    const book = targetBook(g, p);
    const given: Pair[] = [];
    const none: Slot[] = [];
    let fresh = false;
    for (const s of asks) {
      const hit =
        info.find(([k]) => k === s || (s === 'time' && g.domain === 'train' && k === 'leaveAt')) ??
        book.find(([k]) => k === s);
      if (hit) {
        if (!given.includes(hit)) given.push(hit);
      } else if (
        !(s === 'leaveAt' || s === 'arriveBy') ||
        !asks.some((o) => o !== s && info.some(([k]) => k === o))
      ) {
        none.push(s);
      }
    }
    for (const pair of given) {
      if (!isSaid(p, pair)) fresh = true;
      p.said.set(pair[0], pair[1]);
    }
    if (given.length) parts.push({ kind: 'reveal', domain: g.domain, slots: given });
    if (none.length) {
      parts.push({ kind: 'noPreference', slots: [...new Set(none)] });
      fresh = true;
    }
    if (given.length < 2) reveal(g, p, 1);
    // Answering the same question twice is repeating oneself.
    if (!fresh) repeated = true;
  }
}

/** The place an assistant message puts forward for a domain: its DB row when the model knows it. */
function offerFor(world: World, d: Domain, act: AgentAct): { key: string; row?: DbRow } | undefined {
  const o = act.offers.find((x) => x.domain === d);
  if (!o) return undefined;
  return { key: o.key, row: findEntity(world, d, o.key, act.a.mentions) };
}

const entityKeyOf = (d: Domain, row: DbRow): string =>
  normText(String(row[d === 'train' ? 'trainID' : 'name'] ?? ''));

// ---- Text -------------------------------------------------------------------------------------

const sentence = (s: string): string => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

function joinPhrases(ps: string[]): string {
  if (ps.length <= 1) return ps.join('');
  return `${ps.slice(0, -1).join(', ')} and ${ps[ps.length - 1]}`;
}

function switchPhrase(d: Domain, slot: SearchSlot | BookSlot, v: string): string {
  switch (slot) {
    case 'food':
      return `${v} food`;
    case 'area':
      return `the ${v}`;
    case 'pricerange':
      return `something in the ${v} price range`;
    case 'type':
      return d === 'hotel' ? (v === 'hotel' ? 'an actual hotel' : 'a guesthouse') : `a ${v}`;
    case 'stars':
      return `${v} stars`;
    case 'parking':
      return v === 'yes' ? 'one with free parking' : 'one without parking';
    case 'internet':
      return v === 'yes' ? 'one with free wifi' : 'one without internet';
    case 'name':
      return v;
    default:
      return constraintPhrase(d, slot, v, new Rng(0));
  }
}

function render(parts: Part[], rng: Rng): string {
  const out: string[] = [];
  const phrases = (d: Domain, slots: Pair[]): string =>
    joinPhrases(slots.map(([s, v]) => constraintPhrase(d, s, v, rng)));
  for (const part of parts) {
    switch (part.kind) {
      case 'greet':
        out.push(rng.pick(['Hi!', 'Hello.', 'Hi there.']));
        break;
      case 'intro':
        out.push(intro(part.domain, rng));
        break;
      case 'reveal':
        out.push(sentence(`${phrases(part.domain, part.slots)}.`));
        break;
      case 'insist':
        out.push(
          sentence(
            `${rng.pick(["that doesn't work for me: ", 'no, ', 'I need to be clear: '])}${phrases(part.domain, part.slots)}.`,
          ),
        );
        break;
      case 'noPreference':
        out.push(
          `I have no preference about the ${joinPhrases(part.slots.map((s) => (s === 'leaveAt' || s === 'arriveBy' ? 'time' : attrWord(s))))}.`,
        );
        break;
      case 'accept':
        out.push(rng.pick(['That sounds good.', 'Great, that works.', 'Perfect.']));
        break;
      case 'book':
        out.push(
          part.slots.length ? `Please book it ${phrases(part.domain, part.slots)}.` : 'Please book it.',
        );
        break;
      case 'switch':
        out.push(
          part.booking
            ? `Could you try ${phrases(part.domain, part.slots)} instead?`
            : `How about ${joinPhrases(part.slots.map(([s, v]) => switchPhrase(part.domain, s, v)))} instead?`,
        );
        break;
      case 'askReqt':
        out.push(`Could you give me the ${joinPhrases(part.attrs.map(attrWord))}?`);
        break;
      case 'declineBook':
        out.push('No need to book, thanks.');
        break;
      case 'wrongPlace':
        out.push(`Sorry, I'm looking for a ${DOMAIN_NOUN[part.domain]}.`);
        break;
      case 'thanks':
        out.push(rng.pick(['Thank you.', 'Thanks!', 'Great, thanks.']));
        break;
      case 'bye':
        out.push(`That's everything I needed. Thank you, goodbye! ${END_MARKER}`);
        break;
      case 'giveUp':
        out.push(`This isn't working, I'll sort it out another way. Goodbye. ${END_MARKER}`);
        break;
    }
  }
  return out.join(' ');
}

/** Everything the caller has said about a domain, read back from its own message. */
function absorbOwn(ctx: UserContext, st: UserState, text: string): void {
  const p = st.dom[st.idx];
  const g = ctx.goal.domains[st.idx];
  if (!p || !g) return;
  for (const m of userAct(ctx.world, text).values) {
    if (m.domain && m.domain !== g.domain) continue;
    const slot = g.domain === 'train' && m.slot === 'time' ? 'leaveAt' : m.slot;
    if (slot === 'trainID') continue;
    p.said.set(slot, m.value);
  }
}

/** The caller's next message after the given exchanges (the last one has `own: null`). */
export function nextUserMessage(ctx: UserContext, exchanges: Exchange[], rng: Rng): string {
  const st = initState(ctx.goal);
  for (const ex of exchanges) {
    if (st.ended) break;
    const parts = step(ctx, st, ex.agent);
    if (ex.own === null) return render(parts, rng);
    absorbOwn(ctx, st, ex.own);
  }
  return `Thank you, goodbye! ${END_MARKER}`;
}

export function goalKeyOf(sentences: string[]): number {
  return hashString(sentences.join('\n'));
}
