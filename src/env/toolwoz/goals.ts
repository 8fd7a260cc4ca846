// The goal calls of a ToolWOZ dialogue (spec 4.3): per used domain a search_<d> call with the goal's
// search constraints, and a book_<d> call when the goal books d and the dialogue's final state
// records a booking. The booked entity (the LAST `book.booked` entry of the last system turn) is
// what the search-serving and scoring rules treat as the one right answer.
import { z } from 'zod';
import { UserError } from '../../util/errors';
import type { GoalCall } from '../types';
import type { GoalDomain, MultiwozDialogue } from './multiwoz';
import { queryTable } from './query';
import type { ApiDefs, IndexedDb } from './tools';
import { isEmptyValue, uniqueIdKey } from './values';

/** The domains ToolWOZ serves, in upstream's goal-building order. */
export const GOAL_CALL_DOMAINS = [
  'hotel',
  'attraction',
  'train',
  'restaurant',
] as const satisfies GoalDomain[];

const DomainState = z.object({
  book: z.object({ booked: z.array(z.record(z.string(), z.unknown())) }),
  semi: z.record(z.string(), z.unknown()),
});

const nonEmptyObject = (o: object | undefined): o is object => o !== undefined && Object.keys(o).length > 0;

export function usedDomains(dialogue: MultiwozDialogue): (typeof GOAL_CALL_DOMAINS)[number][] {
  return GOAL_CALL_DOMAINS.filter((d) => nonEmptyObject(dialogue.goal[d]));
}

/** One value per API parameter, in valid_api_defs order; "" where the goal says nothing. */
function paramsFrom(names: string[], source: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(
    names.map((n) => [n, typeof source?.[n] === 'string' ? (source[n] as string) : '']),
  );
}

function apiParams(apiDefs: ApiDefs, domain: string, api: string, dialogue: MultiwozDialogue): string[] {
  const def = apiDefs[domain]?.[api];
  if (!def)
    throw new UserError(`valid_api_defs.json: no definition of ${api} (needed by dialogue ${dialogue.id})`);
  return def.parameters;
}

export function buildGoalCalls(dialogue: MultiwozDialogue, apiDefs: ApiDefs, db: IndexedDb): GoalCall[] {
  const calls: GoalCall[] = [];
  for (const domain of usedDomains(dialogue)) {
    const goal = dialogue.goal[domain]!;
    if (!nonEmptyObject(goal.info)) continue;
    const search = {
      name: `search_${domain}`,
      parameters: paramsFrom(apiParams(apiDefs, domain, `search_${domain}`, dialogue), goal.info),
    };
    calls.push(search);
    if (!nonEmptyObject(goal.book)) continue;
    const booked = bookedEntity(dialogue, domain, apiDefs, db, search.parameters);
    if (!booked) continue;
    const idKey = uniqueIdKey(domain);
    const parameters = paramsFrom(apiParams(apiDefs, domain, `book_${domain}`, dialogue), goal.book);
    parameters[idKey] = booked[idKey] as string;
    calls.push({ name: `book_${domain}`, parameters, returns: booked });
  }
  return calls;
}

/** The last booking of `domain` in the final state, with missing return fields filled from the
 * belief state or the first DB row of the goal search; undefined when nothing was booked. */
function bookedEntity(
  dialogue: MultiwozDialogue,
  domain: string,
  apiDefs: ApiDefs,
  db: IndexedDb,
  searchParams: Record<string, string>,
): Record<string, unknown> | undefined {
  const field = `log.${dialogue.finalStateTurn}.metadata.${domain}`;
  const parsed = DomainState.safeParse(dialogue.finalState[domain]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = [field, ...issue.path].join('.');
    throw new UserError(
      `${dialogue.file}: dialogue ${dialogue.id}: field ${at}: ${issue.message} (expected {book: {booked: [...]}, semi: {...}})`,
    );
  }
  const { book, semi } = parsed.data;
  const booked = book.booked;
  if (booked.length === 0) return undefined;
  const entity = { ...booked[booked.length - 1] };
  for (const key of apiDefs[domain]?.[`book_${domain}`]?.returns ?? []) {
    if (key in entity) continue;
    entity[key] =
      !isEmptyValue(semi[key]) && semi[key] !== undefined
        ? semi[key]
        : queryTable(db[domain], searchParams)[0]?.[key];
  }
  const idKey = uniqueIdKey(domain);
  if (typeof entity[idKey] !== 'string' || entity[idKey] === '') {
    throw new UserError(
      `${dialogue.file}: dialogue ${dialogue.id}: field ${field}.book.booked: the last entry has no ${idKey}`,
    );
  }
  return entity;
}

/** The goal sentences without their HTML emphasis markup. */
export function goalSentences(dialogue: MultiwozDialogue): string[] {
  const message = dialogue.goal.message;
  return (Array.isArray(message) ? message : [message]).map((s) => s.replace(/<[^>]*>/g, '').trim());
}
