// What each ToolWOZ error kind (errorModel.ts) learns from, judged from the training file alone
// with the base model's own reading of the prompt (its belief: what the caller asked for, per
// domain — the same reading the agent acts on). One entry per kind; τ-bench's kinds are in
// tauLessons.ts, and a kind with no entry in either never changes by fine-tuning.
import { BOOK_SLOTS, normValue, parseApiName } from '../ontology';
import type { Decision, DecisionInContext, Lesson } from './learning';

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

/** The values the caller gave for what this ToolWOZ call takes, as the base model reads them. */
function expected(d: DecisionInContext): Record<string, string> | undefined {
  const call = d.decision.call;
  const api = call && parseApiName(call.name);
  if (!api) return undefined;
  const db = d.belief().domains[api.domain];
  const slots = api.kind === 'search' ? db.constraints : db.booking;
  return Object.fromEntries(
    Object.entries(slots).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

// Preference rules look only at ToolWOZ calls, so a τ-bench file never changes these kinds
// (malformedArgs aside: both agents share it).
const isApi = (d: Decision): boolean => parseApiName(d.call?.name ?? '') !== undefined;
const isBook = (d: Decision): boolean => parseApiName(d.call?.name ?? '')?.kind === 'book';
const sameApi = (c: DecisionInContext, r: Decision): boolean =>
  isApi(c.decision) && c.decision.call?.name === r.call?.name;
const lastIsUser = (d: DecisionInContext): boolean => d.prompt[d.prompt.length - 1]?.role === 'user';

export const TOOLWOZ_LESSONS: readonly Lesson[] = [
  {
    // Arguments that parse as a JSON object.
    kind: 'malformedArgs',
    demonstrates: (d) => d.decision.call?.args !== undefined,
    rejects: (c, r) =>
      c.decision.call?.args !== undefined && r.call !== undefined && r.call.args === undefined,
  },
  {
    // A search of the domain under discussion, or a booking in a domain already searched; among the
    // record's declared tools. Preference: the rejected side called another tool than the chosen.
    kind: 'wrongTool',
    demonstrates: (d) => {
      const call = d.decision.call;
      const api = call && parseApiName(call.name);
      if (!call || !api || !d.tools.has(call.name)) return false;
      const b = d.belief();
      return api.kind === 'search' ? b.active === api.domain : b.domains[api.domain].searched;
    },
    rejects: (c, r) => isApi(c.decision) && isApi(r) && !isBook(r) && c.decision.call?.name !== r.call?.name,
  },
  {
    // Searching straight after the caller spoke, rather than asking first. Preference: the chosen
    // side acts (a call), the rejected side talks.
    kind: 'chatInsteadOfAct',
    demonstrates: (d) => parseApiName(d.decision.call?.name ?? '')?.kind === 'search' && lastIsUser(d),
    rejects: (c, r) => isApi(c.decision) && r.call === undefined,
  },
  {
    // Booking with every booking detail the domain takes. Preference: the rejected side books where
    // the chosen does not (asks, or does something else).
    kind: 'earlyBooking',
    demonstrates: (d) => {
      const api = parseApiName(d.decision.call?.name ?? '');
      const args = d.decision.call?.args;
      if (!api || api.kind !== 'book' || !args) return false;
      return BOOK_SLOTS[api.domain].every((s) => str(args[s])?.trim());
    },
    rejects: (c, r) => isBook(r) && r.call?.name !== c.decision.call?.name,
  },
  {
    // A call (two or more arguments) that carries every value the caller gave for it. Preference:
    // the same call, the rejected side lacking an argument the chosen has.
    kind: 'missingSlot',
    demonstrates: (d) => {
      const args = d.decision.call?.args;
      const want = expected(d);
      if (!args || !want || Object.keys(args).length < 2 || Object.keys(want).length === 0) return false;
      return Object.keys(want).every((k) => str(args[k]) !== undefined);
    },
    rejects: (c, r) => {
      const a = c.decision.call?.args;
      const b = r.call?.args;
      if (!a || !b || !sameApi(c, r)) return false;
      return Object.keys(a).some((k) => !(k in b));
    },
  },
  {
    // A call whose every argument the caller gave has the caller's value. Preference: the same
    // call, an argument both sides carry with different values.
    kind: 'wrongSlot',
    demonstrates: (d) => {
      const args = d.decision.call?.args;
      const want = expected(d);
      if (!args || !want) return false;
      const known = Object.keys(args).filter((k) => k in want);
      return known.length > 0 && known.every((k) => normValue(str(args[k]) ?? '') === normValue(want[k]));
    },
    rejects: (c, r) => {
      const a = c.decision.call?.args;
      const b = r.call?.args;
      if (!a || !b || !sameApi(c, r)) return false;
      return Object.keys(a).some((k) => k in b && normValue(str(a[k]) ?? '') !== normValue(str(b[k]) ?? ''));
    },
  },
];
