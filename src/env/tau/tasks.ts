// τ-bench task lists as josh Tasks, for the three τ environments. Two layouts:
// - v1 (`taubench/<domain>/tasks_<split>.json`): a list of {user_id, instruction, actions: [{name,
//   kwargs}], outputs}; a task is addressed by split and index, so its id is `<split>-<index>`.
// - τ² (`tau2/retail/tasks.json` + `split_tasks.json`): tasks with their own ids, the user's
//   scenario in structured fields, gold actions under evaluation_criteria, and splits as id lists.
// Files are read and checked once per process per data dir; a malformed file is a UserError naming
// the file and the field, so a bad data directory is one line, not a stack.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../util/errors';
import type { GoalCall, Task } from '../types';
import type { TauDomain, TauLayout } from './layouts';

/** One task as loaded: the josh Task's data plus what the final reward needs. */
export interface TauTaskData {
  id: string;
  split: string | undefined;
  instruction: string;
  userId: string | undefined;
  goalCalls: GoalCall[];
  outputs: string[];
  /** τ²'s natural-language assertions: they need an LLM judge, so they are reported, never checked. */
  nlAssertions: string[];
}

export function v1TasksFile(dataDir: string, domain: TauDomain, split: string): string {
  return path.join(dataDir, 'taubench', domain, `tasks_${split}.json`);
}

export function tau2Dir(dataDir: string, domain: TauDomain): string {
  return path.join(dataDir, 'tau2', domain);
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field checks that name the file and the field path in their error. */
class Checker {
  constructor(readonly file: string) {}

  fail(field: string, expected: string, value: unknown): never {
    const got = value === undefined ? 'missing' : `got ${JSON.stringify(value)?.slice(0, 60)}`;
    throw new UserError(`${this.file}: ${field}: expected ${expected} (${got})`);
  }

  object(v: unknown, field: string): Record<string, unknown> {
    return isObject(v) ? v : this.fail(field, 'an object', v);
  }

  array(v: unknown, field: string): unknown[] {
    return Array.isArray(v) ? v : this.fail(field, 'an array', v);
  }

  string(v: unknown, field: string): string {
    return typeof v === 'string' ? v : this.fail(field, 'a string', v);
  }

  /** A string, or absent/null (τ² leaves unused fields null). */
  optionalString(v: unknown, field: string): string | undefined {
    return v === undefined || v === null ? undefined : this.string(v, field);
  }

  /** The file's list of `what`: one split file with none is a broken data directory, not a small one. */
  nonEmpty(list: unknown[], what: string): unknown[] {
    if (list.length === 0) throw new UserError(`${this.file}: holds no ${what} (expected a non-empty array)`);
    return list;
  }

  strings(v: unknown, field: string): string[] {
    return this.array(v, field).map((s, i) => this.string(s, `${field}[${i}]`));
  }

  goalCall(v: unknown, field: string, argsKey: 'kwargs' | 'arguments'): GoalCall {
    const a = this.object(v, field);
    const name = this.string(a.name, `${field}.name`);
    if (name === '') this.fail(`${field}.name`, 'a tool name', name);
    return { name, parameters: this.object(a[argsKey], `${field}.${argsKey}`) };
  }
}

/** The user id a τ² task is about: τ² tasks do not name it, but a gold action's argument may. */
function userIdOf(goalCalls: GoalCall[]): string | undefined {
  for (const g of goalCalls) if (typeof g.parameters.user_id === 'string') return g.parameters.user_id;
  return undefined;
}

export function loadV1Split(dataDir: string, domain: TauDomain, split: string): TauTaskData[] {
  const file = v1TasksFile(dataDir, domain, split);
  const c = new Checker(file);
  return c.nonEmpty(c.array(readJson(file), '(root)'), 'tasks').map((raw, index) => {
    const at = `[${index}]`;
    const t = c.object(raw, at);
    return {
      id: `${split}-${index}`,
      split,
      instruction: c.string(t.instruction, `${at}.instruction`),
      userId: c.string(t.user_id, `${at}.user_id`),
      goalCalls: c
        .array(t.actions, `${at}.actions`)
        .map((a, i) => c.goalCall(a, `${at}.actions[${i}]`, 'kwargs')),
      outputs: c.strings(t.outputs ?? [], `${at}.outputs`),
      nlAssertions: [],
    };
  });
}

// τ² describes the customer in four fields; the simulator gets them as one text under our headings.
const SCENARIO_FIELDS: [key: string, heading: string][] = [
  ['reason_for_call', 'Why you are contacting customer service'],
  ['known_info', 'What you know'],
  ['unknown_info', 'What you do not know'],
  ['task_instructions', 'How to behave'],
];

/** A field holding no words (τ² uses "." for an empty instruction) adds nothing to the scenario. */
const hasWords = (s: string | undefined): s is string => s !== undefined && /[\p{L}\p{N}]/u.test(s);

function tau2Instruction(c: Checker, instructions: Record<string, unknown>, at: string): string {
  const parts: string[] = [];
  for (const [key, heading] of SCENARIO_FIELDS) {
    const value = c.optionalString(instructions[key], `${at}.${key}`);
    if (hasWords(value)) parts.push(`${heading}: ${value.trim()}`);
  }
  if (parts.length === 0)
    c.fail(at, 'at least one of ' + SCENARIO_FIELDS.map(([k]) => k).join(', '), instructions);
  return parts.join('\n');
}

export interface Tau2Data {
  tasks: TauTaskData[];
  splits: Map<string, string[]>;
}

export function loadTau2(dataDir: string, domain: TauDomain): Tau2Data {
  const dir = tau2Dir(dataDir, domain);
  const file = path.join(dir, 'tasks.json');
  const c = new Checker(file);
  const seen = new Set<string>();
  const tasks = c.nonEmpty(c.array(readJson(file), '(root)'), 'tasks').map((raw, index): TauTaskData => {
    const t = c.object(raw, `[${index}]`);
    const id = c.string(t.id, `[${index}].id`);
    const at = `[${index}] (id ${id})`;
    if (id === '' || seen.has(id)) c.fail(`${at}.id`, 'a unique, non-empty task id', id);
    seen.add(id);
    const scenario = c.object(t.user_scenario, `${at}.user_scenario`);
    const instructions = c.object(scenario.instructions, `${at}.user_scenario.instructions`);
    const criteria = c.object(t.evaluation_criteria, `${at}.evaluation_criteria`);
    const goalCalls = c
      .array(criteria.actions ?? [], `${at}.evaluation_criteria.actions`)
      .map((a, i) => c.goalCall(a, `${at}.evaluation_criteria.actions[${i}]`, 'arguments'));
    return {
      id,
      split: undefined,
      instruction: tau2Instruction(c, instructions, `${at}.user_scenario.instructions`),
      userId: userIdOf(goalCalls),
      goalCalls,
      outputs: c.strings(criteria.communicate_info ?? [], `${at}.evaluation_criteria.communicate_info`),
      nlAssertions: c.strings(criteria.nl_assertions ?? [], `${at}.evaluation_criteria.nl_assertions`),
    };
  });
  const splitFile = path.join(dir, 'split_tasks.json');
  const s = new Checker(splitFile);
  const splitJson = s.object(readJson(splitFile), '(root)');
  const splits = new Map<string, string[]>();
  for (const [name, ids] of Object.entries(splitJson)) {
    const list = s.strings(ids, name);
    list.forEach((id, i) => {
      if (!seen.has(id)) s.fail(`${name}[${i}]`, `a task id of ${file}`, id);
    });
    splits.set(name, list);
  }
  return { tasks, splits };
}

// Tools that only read (or think, or compute): a task's breakdown key is what it changes.
const READ_ONLY = new Set([
  'calculate',
  'think',
  'find_user_id_by_email',
  'find_user_id_by_name_zip',
  'get_user_details',
  'get_order_details',
  'get_product_details',
  'list_all_product_types',
  'get_reservation_details',
  'list_all_airports',
  'search_direct_flight',
  'search_onestop_flight',
]);

/** The report's breakdown key for a task: the distinct tools of its gold actions that change the
 * database (or end the conversation), in first-use order; `read-only` when there are none. */
export function breakdownOf(goalCalls: GoalCall[]): string[] {
  const names = [...new Set(goalCalls.map((g) => g.name).filter((n) => !READ_ONLY.has(n)))];
  return names.length ? names : ['read-only'];
}

/** The josh Task of a loaded task. `solvable` is a lazy, cached property (it replays the gold
 * actions), so listing a split stays cheap until someone asks; it is enumerable, so a Task
 * serialised to JSON carries it. */
export function toTask(env: string, data: TauTaskData, solvable: () => boolean): Task {
  let cached: boolean | undefined;
  const task = {
    id: data.id,
    env,
    domains: breakdownOf(data.goalCalls),
    goalMessage: [data.instruction],
    instruction: data.instruction,
    ...(data.userId === undefined ? {} : { userId: data.userId }),
    goalCalls: data.goalCalls,
    outputs: data.outputs,
  } as Task;
  Object.defineProperty(task, 'solvable', {
    enumerable: true,
    get: () => (cached ??= solvable()),
  });
  return task;
}

/** The tasks of one τ environment in one data dir: files read on first use, Tasks built once. */
export class TauTaskSet {
  private v1 = new Map<string, TauTaskData[]>();
  private tau2?: Tau2Data;
  private byId?: Map<string, TauTaskData>;
  private readonly tasks = new Map<string, Task>();

  constructor(
    readonly layout: TauLayout,
    readonly dataDir: string,
    private readonly solvable: (data: TauTaskData) => boolean,
  ) {}

  private checkSplit(split: string): void {
    if (!this.layout.splits.includes(split))
      throw new UserError(
        `${this.layout.env} has no split "${split}" (splits: ${this.layout.splits.join(', ')})`,
      );
  }

  private v1Split(split: string): TauTaskData[] {
    let list = this.v1.get(split);
    if (!list) this.v1.set(split, (list = loadV1Split(this.dataDir, this.layout.domain, split)));
    return list;
  }

  private tau2Data(): Tau2Data {
    if (!this.tau2) {
      this.tau2 = loadTau2(this.dataDir, this.layout.domain);
      this.byId = new Map(this.tau2.tasks.map((t) => [t.id, t]));
    }
    return this.tau2;
  }

  /** The loaded data of a task id, or undefined when the data has no such task. */
  data(id: string): TauTaskData | undefined {
    if (this.layout.layout === 'tau2') {
      this.tau2Data();
      return this.byId!.get(id);
    }
    const m = /^([a-z]+)-(0|[1-9]\d*)$/.exec(id);
    if (!m || !this.layout.splits.includes(m[1])) return undefined;
    return this.v1Split(m[1])[Number(m[2])];
  }

  task(data: TauTaskData): Task {
    let task = this.tasks.get(data.id);
    if (!task) this.tasks.set(data.id, (task = toTask(this.layout.env, data, () => this.solvable(data))));
    return task;
  }

  listTasks(split: string): Task[] {
    this.checkSplit(split);
    if (this.layout.layout === 'v1') return this.v1Split(split).map((d) => this.task(d));
    const ids = this.tau2Data().splits.get(split);
    const splitFile = path.join(tau2Dir(this.dataDir, this.layout.domain), 'split_tasks.json');
    if (!ids) throw new UserError(`${splitFile}: no split "${split}"`);
    if (ids.length === 0)
      throw new UserError(`${splitFile}: ${split}: lists no tasks (expected the ids of the ${split} tasks)`);
    return ids.map((id) => this.task(this.byId!.get(id)!));
  }

  /** Where an id is looked up, for UnknownTaskError's message. */
  describeWhere(): string {
    return this.layout.layout === 'v1'
      ? `${this.layout.env}: ids are <split>-<index>, splits ${this.layout.splits.join(', ')}`
      : path.join(tau2Dir(this.dataDir, this.layout.domain), 'tasks.json');
  }
}
