// The ToolWOZ tools: the 8 schemas (<dataDir>/toolwoz/data/tools.json), the parameters each API
// allows (valid_api_defs.json), and executing one call against the DB and the task's goal calls
// (spec 4.4). Bad calls become error-text tool results the agent sees, never exceptions.
import * as path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../util/errors';
import type { CallMade } from '../../shared/messages';
import type { GoalCall, ToolResult, ToolSchema } from '../types';
import { readJsonFileAs, TOOLWOZ_DOMAINS, type DbRow, type ToolwozDb } from './db';
import { indexTable, queryTable, type TableIndex } from './query';
import { bookedEntityId } from './scoring';
import { isEmptyValue, isPlainObject, isSubset, normalizeValue, splitApiName, uniqueIdKey } from './values';

export interface ToolCatalog {
  schemas: ToolSchema[];
  /** valid_api_defs.json as loaded: domain → API → {parameters, returns}. */
  apiDefs: ApiDefs;
  /** API name → allowed parameter names, in valid_api_defs.json order. */
  allowed: Map<string, string[]>;
}

const ToolsFile = z.array(
  z.object({
    type: z.literal('function'),
    function: z.object({
      name: z.string().min(1),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()),
    }),
  }),
);

const ApiDefsFile = z.record(
  z.string(),
  z.record(z.string(), z.object({ parameters: z.array(z.string()), returns: z.array(z.string()) })),
);
export type ApiDefs = z.infer<typeof ApiDefsFile>;

/** The catalog's two files: the tool schemas and the API definitions. */
export function toolCatalogFiles(dataDir: string): { toolsFile: string; defsFile: string } {
  const dir = path.join(dataDir, 'toolwoz', 'data');
  return { toolsFile: path.join(dir, 'tools.json'), defsFile: path.join(dir, 'valid_api_defs.json') };
}

export function loadToolCatalog(dataDir: string): ToolCatalog {
  const { toolsFile, defsFile } = toolCatalogFiles(dataDir);
  const tools = readJsonFileAs(
    ToolsFile,
    toolsFile,
    'the ToolWOZ tool schemas',
    'a JSON array of OpenAI function tools',
  );
  const defs = readJsonFileAs(
    ApiDefsFile,
    defsFile,
    'the ToolWOZ API definitions',
    '{domain: {api: {parameters, returns}}}',
  );
  if (tools.length === 0)
    throw new UserError(`${toolsFile}: holds no tools (expected a JSON array of OpenAI function tools)`);
  const allowedByApi = new Map<string, string[]>();
  for (const apis of Object.values(defs))
    for (const [api, def] of Object.entries(apis)) allowedByApi.set(api, def.parameters);
  const allowed = new Map<string, string[]>();
  for (const tool of tools) {
    const params = allowedByApi.get(tool.function.name);
    if (!params)
      throw new UserError(`${defsFile}: no entry for the API "${tool.function.name}" of ${toolsFile}`);
    allowed.set(tool.function.name, params);
  }
  return { schemas: tools, apiDefs: defs, allowed };
}

export type IndexedDb = Record<string, TableIndex>;

export function indexDb(db: ToolwozDb): IndexedDb {
  return Object.fromEntries(TOOLWOZ_DOMAINS.map((d) => [d, indexTable(db[d])]));
}

/** Why a call is rejected, or undefined when it may run (spec 4.4 step 1). */
function rejection(catalog: ToolCatalog, name: string, args: unknown): string | undefined {
  if (!isPlainObject(args))
    return 'ERROR: invalid API call: the parameters must be a JSON object of strings.';
  const allowed = catalog.allowed.get(name);
  if (!allowed)
    return `ERROR: invalid API call: unknown API "${name}". The APIs are: ${[...catalog.allowed.keys()].join(', ')}.`;
  const extra = Object.keys(args).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    const list = allowed.length ? allowed.join(', ') : 'none';
    return `ERROR: invalid API call: ${name} does not take ${extra.map((k) => `"${k}"`).join(', ')} (its parameters: ${list}).`;
  }
  const nested = Object.keys(args).filter((k) => typeof args[k] === 'object' && args[k] !== null);
  if (nested.length > 0)
    return `ERROR: invalid API call: lists and objects are not allowed as values (${nested.join(', ')}).`;
  return undefined;
}

/** Which single row a search serves (spec 4.4 step 3): the goal's booked entity when the search
 * covers the goal, and a row that breaks the goal when the search is under-specified, so an agent
 * only reaches the booked entity by asking for every constraint. */
function serveSearch(
  rows: DbRow[],
  goalCalls: GoalCall[],
  domain: string,
  args: Record<string, unknown>,
): DbRow[] {
  const goal = goalCalls.find((g) => g.name === `search_${domain}`);
  if (!goal) return [rows[0]];
  const bookedId = bookedEntityId(goalCalls, domain);
  const idKey = uniqueIdKey(domain);
  let booked: DbRow | undefined;
  let wrong: DbRow | undefined; // the LAST row that does not satisfy the goal
  for (const row of rows) {
    if (bookedId !== undefined && row[idKey] === bookedId) booked = row;
    if (!isSubset(goal.parameters, row)) wrong = row;
  }
  if (isSubset(goal.parameters, args)) {
    if (bookedId === undefined) return [rows[0]];
    const served = booked ?? wrong;
    return served ? [served] : [];
  }
  if (isSubset(args, goal.parameters)) {
    const served = wrong ?? booked ?? rows[0];
    return [served];
  }
  return [rows[0]];
}

export function executeToolCall(
  catalog: ToolCatalog,
  db: IndexedDb,
  goalCalls: GoalCall[],
  name: string,
  args: unknown,
): ToolResult {
  const error = rejection(catalog, name, args);
  if (error !== undefined) {
    const call: CallMade = { name, arguments: isPlainObject(args) ? args : {}, returned: error, error: true };
    return { content: error, call };
  }
  const callArgs = args as Record<string, unknown>;
  // Empty spellings are dropped before normalising: "do n't care" would normalise to a non-empty "do nt care".
  const normalized = Object.fromEntries(
    Object.entries(callArgs)
      .filter(([, v]) => !isEmptyValue(v))
      .map(([k, v]) => [k, normalizeValue(v)]),
  );
  const { action, domain } = splitApiName(name);
  if (action === 'search' && db[domain]) {
    const rows = queryTable(db[domain], normalized);
    const served = rows.length === 0 ? [] : serveSearch(rows, goalCalls, domain, normalized);
    return {
      content: JSON.stringify(served),
      call: { name, arguments: callArgs, returned: served[0] ?? null },
    };
  }
  if (action === 'book') {
    const goal = goalCalls.find((g) => g.name === name);
    const result =
      goal && isSubset(goal.parameters, callArgs)
        ? { success: true, return: goal.returns ?? {} }
        : { success: false, return: {} };
    return { content: JSON.stringify(result), call: { name, arguments: callArgs, returned: result } };
  }
  const unsupported = `ERROR: invalid API call: "${name}" is not a search or booking API.`;
  return { content: unsupported, call: { name, arguments: callArgs, returned: unsupported, error: true } };
}
