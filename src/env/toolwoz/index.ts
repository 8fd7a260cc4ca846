// The ToolWOZ environment (spec section 4) behind the Environment interface: tasks from MultiWOZ,
// tools and their execution, scoring, user simulators and agent system prompts; and its node
// registry entry (src/env/index.ts), beside the pure one in ./plugin.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeToolsAsText } from '../../agent/react';
import type { EnvironmentNodePlugin } from '..';
import type { Message } from '../../shared/messages';
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
import { fetchData } from './fetch';
import { DEFAULT_PROMPTS, fillTemplate, type ToolwozPrompts } from './prompts';
import { parsePromptsText, promptsHash, promptsSource, resolvePrompts } from './prompts-file';
import { toolwozScoring } from './scoring';
import { TOOLWOZ_SPLITS } from './splits';
import { toolwozData, toolwozDataFiles } from './tasks';
import { userTurnPlan } from './usersim';

export interface ToolwozOptions {
  /** A YAML/JSON prompts file overriding any of the project's prompts (upstream prompts.yaml loads too). */
  promptsFile?: string;
}

export function createToolwozEnvironment(dataDir: string, options: ToolwozOptions = {}): Environment {
  const data = toolwozData(dataDir);
  const prompts: ToolwozPrompts = resolvePrompts(options.promptsFile);
  return {
    name: 'toolwoz',
    splits: [...TOOLWOZ_SPLITS],
    turnReward: toolwozScoring.turnReward,
    conversationReward: toolwozScoring.conversationReward,
    listTasks: (split: string): Task[] => data.listTasks(split),
    getTask: (id: string): Task => data.getTask(id),
    tools: (): ToolSchema[] => data.catalog.schemas,
    // Stateless: a ToolWOZ call's result depends only on the task and the call, never on `prior`.
    executeCall: (task: Task, name: string, args: unknown): ToolResult => data.execute(task, name, args),
    // Its conversation reward (satisfied goals / goals) of the calls, re-executed to score what they
    // returned; what the agent said plays no part.
    finalReward: (task: Task, calls: readonly PriorCall[]): FinalReward => {
      const made = calls.map((c) => data.execute(task, c.name, c.arguments).call);
      const { reward, satisfied } = toolwozScoring.conversationReward(task.goalCalls, made);
      return { reward, info: { satisfied } };
    },
    agentSystemPrompt: (strategy: AgentStrategy): string =>
      toolwozAgentSystemPrompt(prompts, strategy, data.catalog.schemas),
    loadData: (): void => void data.db,
    userTurn: (task: Task, kind: UserSimKind, conversation: Message[]): UserTurnPlan =>
      userTurnPlan(prompts, task.goalMessage, data.dialogue(task.id), kind, conversation),
  };
}

/** The agent's system prompt from a set of prompts (also an export's, from the prompts a run recorded). */
export function toolwozAgentSystemPrompt(
  prompts: ToolwozPrompts,
  strategy: AgentStrategy,
  tools: ToolSchema[],
): string {
  if (strategy === 'function-calling') return prompts.agentFunctionCalling;
  return fillTemplate(prompts.agentReact, { tools: describeToolsAsText(tools) });
}

/** ToolWOZ in the node registry: its data is `<dataDir>/toolwoz/` (with MultiWOZ beside it), and
 * a worker's prompts file is a set of ToolWOZ prompts. */
export const toolwozNode: EnvironmentNodePlugin = {
  name: 'toolwoz',
  create: createToolwozEnvironment,
  probe: (dataDir) => fs.existsSync(path.join(dataDir, 'toolwoz')),
  dataFiles: toolwozDataFiles,
  fetch: fetchData,
  prompts: {
    source: promptsSource,
    recorded(file, text) {
      const prompts = { ...DEFAULT_PROMPTS, ...parsePromptsText(file, text) };
      return {
        hash: promptsHash(prompts),
        agentSystemPrompt: (strategy, tools) => toolwozAgentSystemPrompt(prompts, strategy, tools),
      };
    },
  },
};
