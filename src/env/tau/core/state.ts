// Executing a tool call on a branch: the branch's state is the base DB after its earlier calls
// (`prior`), rebuilt by replaying them. The state after every prefix is cached (LRU, keyed by a
// hash of the DB, the domain and the prefix), so a call at depth 20 replays at most the calls the
// cache has not seen; siblings fork the same cached parent and never see each other's writes.
// Everything here is a pure function of its inputs: a retried or replayed activity gets the same
// text.
import { createHash } from 'node:crypto';
import type { BaseDb } from './db';
import { DbView } from './db';
import { canonical, fromJs, isDict, pyParse, pyTypeName, type PyDict, type PyValue } from './pyjson';
import {
  ToolError,
  type CallOutcome,
  type TauCall,
  type TauDomain,
  type ToolArgs,
  type ToolSpec,
} from './types';

const CACHE_LIMIT = 4096;
const cache = new Map<string, DbView>();

function cacheGet(key: string): DbView | undefined {
  const v = cache.get(key);
  if (v) {
    cache.delete(key); // most recently used goes last
    cache.set(key, v);
  }
  return v;
}

function cachePut(key: string, v: DbView): void {
  cache.set(key, v);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

/** For tests and measurements: forget every cached state. */
export function clearStateCache(): void {
  cache.clear();
}

export function stateCacheSize(): number {
  return cache.size;
}

function callKey(call: TauCall): string {
  const args =
    typeof call.arguments === 'string' ? 's' + call.arguments : 'o' + canonical(fromJs(call.arguments));
  return JSON.stringify(call.name) + '\n' + args;
}

/** Hashes of every prefix: hashes[k] identifies the state after the first k calls. */
function prefixHashes(domain: TauDomain, base: BaseDb, calls: readonly TauCall[]): string[] {
  const hashes = [createHash('sha256').update(`${domain.name}\n${base.id}`).digest('hex')];
  for (const c of calls) {
    hashes.push(
      createHash('sha256')
        .update(hashes[hashes.length - 1] + '\n' + callKey(c))
        .digest('hex'),
    );
  }
  return hashes;
}

/** The state after `calls` (never modify it: fork it). */
export function stateAfter(domain: TauDomain, base: BaseDb, calls: readonly TauCall[]): DbView {
  const hashes = prefixHashes(domain, base, calls);
  let k = calls.length;
  let found: DbView | undefined;
  for (; k >= 0 && !found; k--) found = cacheGet(hashes[k]);
  k++; // the prefix length whose state was found (or 0 for a fresh state)
  let state: DbView = found ?? new DbView(base);
  if (!found) cachePut(hashes[0], state);
  for (; k < calls.length; k++) {
    const next: DbView = state.fork();
    runCall(domain, next, calls[k].name, calls[k].arguments);
    cachePut(hashes[k + 1], next);
    state = next;
  }
  return state;
}

/** Run `name(args)` on the state the branch's `prior` calls left. */
export function executeWithPrior(
  domain: TauDomain,
  base: BaseDb,
  prior: readonly TauCall[],
  name: string,
  args: Record<string, unknown> | string,
): CallOutcome {
  const view = stateAfter(domain, base, prior).fork();
  return runCall(domain, view, name, args);
}

/** Run `calls` in order, each on the state the ones before it left: the outcomes executeWithPrior
 * gives call by call (with the calls before it as prior), in one pass. Each call runs on a fork of
 * the state before it, as a replay does, so the states are the same; but no prefix is hashed or
 * replayed again, so a transcript of n calls costs n calls, not n². */
export function executeInOrder(domain: TauDomain, base: BaseDb, calls: readonly TauCall[]): CallOutcome[] {
  let state = new DbView(base);
  return calls.map((c) => {
    state = state.fork();
    return runCall(domain, state, c.name, c.arguments);
  });
}

/** Execute one call on `view` (modifying it), as τ-bench's env.step does for a tool action. */
export function runCall(
  domain: TauDomain,
  view: DbView,
  name: string,
  rawArgs: Record<string, unknown> | string,
): CallOutcome {
  const tool = Object.prototype.hasOwnProperty.call(domain.tools, name) ? domain.tools[name] : undefined;
  if (!tool) return { content: `Unknown action ${name}`, error: true };
  const ends = tool.endsConversation ? { endsConversation: true } : {};
  try {
    const args = bindArgs(tool, parseArgs(tool, rawArgs));
    const content = tool.run(view, args);
    return { content, error: false, ...ends };
  } catch (e) {
    if (e instanceof ToolError) return { content: `Error: ${e.message}`, error: true, ...ends };
    throw e; // a bug in a port, not the agent's doing
  }
}

function parseArgs(tool: ToolSpec, raw: Record<string, unknown> | string): PyDict {
  let value: PyValue;
  if (typeof raw === 'string') {
    // Models send "" for a tool without parameters.
    if (raw.trim() === '') return new Map();
    try {
      value = pyParse(raw);
    } catch {
      throw new ToolError('the arguments are not valid JSON');
    }
  } else {
    value = fromJs(raw);
  }
  if (!isDict(value)) {
    // What Python says for `invoke(data=..., **value)` with a non-mapping.
    throw new ToolError(
      `${tool.pyClass}.invoke() argument after ** must be a mapping, not ${pyTypeName(value)}`,
    );
  }
  return value;
}

/** Python's keyword binding of `invoke(data=data, **kwargs)`, with its error texts. */
function bindArgs(tool: ToolSpec, kwargs: PyDict): ToolArgs {
  const short = tool.pyClass.split('.').pop() as string;
  if (kwargs.has('data')) {
    throw new ToolError(`${tool.pyClass}.invoke() got multiple values for keyword argument 'data'`);
  }
  for (const k of kwargs.keys()) {
    if (!tool.params.includes(k))
      throw new ToolError(`${short}.invoke() got an unexpected keyword argument '${k}'`);
  }
  const defaults = tool.defaults ?? {};
  const missing = tool.params.filter(
    (p) => !kwargs.has(p) && !Object.prototype.hasOwnProperty.call(defaults, p),
  );
  if (missing.length > 0) {
    const names = missing.map((m) => `'${m}'`);
    const list =
      names.length === 1
        ? names[0]
        : names.length === 2
          ? `${names[0]} and ${names[1]}`
          : `${names.slice(0, -1).join(', ')}, and ${names[names.length - 1]}`;
    const noun = missing.length === 1 ? 'argument' : 'arguments';
    throw new ToolError(`${short}.invoke() missing ${missing.length} required positional ${noun}: ${list}`);
  }
  const args: ToolArgs = Object.create(null) as ToolArgs;
  for (const p of tool.params) args[p] = kwargs.has(p) ? (kwargs.get(p) as PyValue) : defaults[p];
  return args;
}
