// A τ environment (tau-retail, tau-airline, tau2-retail) behind the Environment interface: the
// tasks of its layout, the domain's tools run by the shared core against the branch's state (the
// base DB after the branch's earlier calls), τ-bench's final reward, the policy as the agent's
// system prompt and the goal-driven customer. Everything heavy (DB, tasks, policy, schemas) is
// loaded on first use and shared by every caller in the process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeToolsAsText } from '../../agent/react';
import type { CallMade, Message } from '../../shared/messages';
import { UserError } from '../../util/errors';
import type {
  AgentStrategy,
  Environment,
  FinalReward,
  PriorCall,
  Task,
  ToolResult,
  ToolSchema,
  UserSimKind,
  UserTurnPlan,
} from '../types';
import { UnknownTaskError } from '../types';
import type { BaseDb } from './core/db';
import { finalReward as coreFinalReward } from './core/reward';
import { executeInOrder, executeWithPrior } from './core/state';
import type { CallOutcome, TauCall, TauDomain as CoreDomain } from './core/types';
import type { TauLayout } from './layouts';
import { agentFunctionCallingPrompt, agentReactPrompt } from './prompts';
import { tauScoring } from './scoring';
import { TauTaskSet, tau2Dir, type TauTaskData } from './tasks';
import { tauUserTurn } from './usersim';

/** What a domain's port gives an environment: its tools, how to load its DB, and its schemas. */
export interface TauBackend {
  domain: CoreDomain;
  loadDb(dataDir: string): BaseDb;
  /** The tools' OpenAI schemas, in τ-bench's order. */
  schemas(dataDir: string): ToolSchema[];
}

/** The folder holding a layout's policy.md (and, for v1, tools.json and db/). */
export function domainDir(layout: TauLayout, dataDir: string): string {
  return layout.layout === 'v1'
    ? path.join(dataDir, 'taubench', layout.domain)
    : tau2Dir(dataDir, layout.domain);
}

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** v1's tools.json: the schemas exactly as τ-bench's tools describe themselves. With `domain`, each
 * must be one of its tools (another domain's tools.json is a broken data directory). */
export function readToolsJson(file: string, domain?: CoreDomain): ToolSchema[] {
  let value: unknown;
  try {
    value = JSON.parse(readText(file, 'the tool schemas'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(value)) throw new UserError(`${file}: (root): expected an array of tool schemas`);
  if (value.length === 0)
    throw new UserError(`${file}: holds no tools (expected an array of the domain's tool schemas)`);
  value.forEach((t, i) => {
    const fn = (t as { function?: { name?: unknown; parameters?: unknown } } | null)?.function;
    if (typeof fn?.name !== 'string' || typeof fn.parameters !== 'object' || fn.parameters === null)
      throw new UserError(`${file}: [${i}].function: expected {name, parameters}`);
    if (domain && !Object.prototype.hasOwnProperty.call(domain.tools, fn.name))
      throw new UserError(
        `${file}: [${i}].function.name: expected a tool of τ-bench ${domain.name} (got ${JSON.stringify(fn.name).slice(0, 60)})`,
      );
  });
  return value as ToolSchema[];
}

/** A call's arguments as the core takes them: an object, or text (unparsed model output, or any
 * other JSON value spelled out, which the tool rejects as Python would). */
export function coreArguments(args: unknown): Record<string, unknown> | string {
  if (typeof args === 'string') return args;
  if (typeof args === 'object' && args !== null && !Array.isArray(args))
    return args as Record<string, unknown>;
  return JSON.stringify(args ?? null);
}

/** The scored record's arguments: an object whenever the call's arguments were one (text that
 * parses to an object counts, as a tool would read it). */
function recordArguments(args: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof args !== 'string') return args;
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const toTauCall = (c: PriorCall): TauCall => ({ name: c.name, arguments: c.arguments });

/** A call's outcome as the agent sees it and the branch records it. */
function toolResult(name: string, coreArgs: Record<string, unknown> | string, out: CallOutcome): ToolResult {
  const call: CallMade = {
    name,
    arguments: recordArguments(coreArgs),
    returned: out.content,
    ...(out.error ? { error: true } : {}),
  };
  return { content: out.content, call, ...(out.endsConversation ? { endsConversation: true } : {}) };
}

export interface TauEnvironment extends Environment {
  layout: TauLayout;
  /** executeCall reads argument text exactly as τ-bench's Python would (`100.0` stays a float, key
   * order is kept), so callers holding the text (josh score) pass it rather than parsed JSON. */
  argumentsAsText: true;
  /** The golden replay of a task: its gold actions as the agent's calls and its outputs as one agent
   * message, scored by the final reward (1 unless the data itself is inconsistent). */
  goldenReplay(task: Task): FinalReward;
}

export function createTauEnvironment(
  layout: TauLayout,
  backend: TauBackend,
  dataDir: string,
): TauEnvironment {
  let db: BaseDb | undefined;
  let schemas: ToolSchema[] | undefined;
  let policy: string | undefined;
  const base = (): BaseDb => (db ??= backend.loadDb(dataDir));
  const tools = (): ToolSchema[] => (schemas ??= backend.schemas(dataDir));
  const policyText = (): string =>
    (policy ??= readText(path.join(domainDir(layout, dataDir), 'policy.md'), 'the agent policy'));

  const reward = (task: Task, calls: readonly PriorCall[], agentTexts: readonly string[]): FinalReward => {
    const r = coreFinalReward(
      backend.domain,
      base(),
      calls.map(toTauCall),
      task.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters })),
      task.outputs ?? [],
      agentTexts,
    );
    const notChecked = tasks.data(task.id)?.nlAssertions.length ?? 0;
    // τ²'s natural-language assertions need an LLM judge: said, not silently dropped.
    return {
      reward: r.reward,
      info: { ...r.info, ...(notChecked ? { nlAssertionsNotChecked: notChecked } : {}) },
    };
  };
  const golden = (task: Task): FinalReward =>
    reward(
      task,
      task.goalCalls.map((g) => ({ name: g.name, arguments: g.parameters })),
      task.outputs?.length ? [task.outputs.join('\n')] : [],
    );

  const tasks: TauTaskSet = new TauTaskSet(
    layout,
    dataDir,
    (data: TauTaskData) => golden(tasks.task(data)).reward === 1,
  );

  return {
    name: layout.env,
    layout,
    argumentsAsText: true,
    splits: [...layout.splits],
    turnReward: tauScoring.turnReward,
    conversationReward: tauScoring.conversationReward,
    listTasks: (split: string): Task[] => tasks.listTasks(split),
    getTask(id: string): Task {
      const data = tasks.data(id);
      if (!data) throw new UnknownTaskError(id, tasks.describeWhere());
      return tasks.task(data);
    },
    tools,
    executeCall(task: Task, name: string, args: unknown, prior: readonly PriorCall[]): ToolResult {
      const coreArgs = coreArguments(args);
      return toolResult(
        name,
        coreArgs,
        executeWithPrior(backend.domain, base(), prior.map(toTauCall), name, coreArgs),
      );
    },
    executeCalls(task: Task, calls: readonly { name: string; arguments: unknown }[]): ToolResult[] {
      const core = calls.map((c) => ({ name: c.name, arguments: coreArguments(c.arguments) }));
      const outs = executeInOrder(backend.domain, base(), core);
      return outs.map((out, i) => toolResult(core[i].name, core[i].arguments, out));
    },
    finalReward: reward,
    goldenReplay: golden,
    loadData: (): void => void base(),
    agentSystemPrompt(strategy: AgentStrategy): string {
      if (strategy === 'function-calling') return agentFunctionCallingPrompt(layout.domain, policyText());
      return agentReactPrompt(layout.domain, policyText(), describeToolsAsText(tools()));
    },
    userTurn: (task: Task, kind: UserSimKind, conversation: Message[]): UserTurnPlan =>
      tauUserTurn(layout.env, layout.domain, task, kind, conversation),
  };
}
