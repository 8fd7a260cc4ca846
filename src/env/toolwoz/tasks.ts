// ToolWOZ tasks built from the data directory, once per process per dataDir: the MultiWOZ layout,
// the tool catalog and the indexed DB are loaded on first use, and every built task is cached, so a
// harvest worker's many getTask/executeCall calls never re-read or re-parse a file.
import type { GoalCall, Task, ToolResult } from '../types';
import { UnknownTaskError } from '../types';
import { dbPath, loadToolwozDb, TOOLWOZ_DOMAINS } from './db';
import { buildGoalCalls, goalSentences, usedDomains } from './goals';
import { detectLayout, type MultiwozDialogue, type MultiwozLayout } from './multiwoz';
import { toolwozScoring } from './scoring';
import { findDialogue, splitDialogues, taskId } from './splits';
import {
  executeToolCall,
  indexDb,
  loadToolCatalog,
  toolCatalogFiles,
  type IndexedDb,
  type ToolCatalog,
} from './tools';

export class ToolwozData {
  private layoutValue?: MultiwozLayout;
  private catalogValue?: ToolCatalog;
  private dbValue?: IndexedDb;
  private readonly tasks = new Map<string, Task>();
  private readonly dialogues = new Map<string, MultiwozDialogue>();
  private readonly splits = new Map<string, Task[]>();

  constructor(readonly dataDir: string) {}

  get layout(): MultiwozLayout {
    return (this.layoutValue ??= detectLayout(this.dataDir));
  }

  get catalog(): ToolCatalog {
    return (this.catalogValue ??= loadToolCatalog(this.dataDir));
  }

  get db(): IndexedDb {
    return (this.dbValue ??= indexDb(loadToolwozDb(this.dataDir)));
  }

  listTasks(split: string): Task[] {
    let tasks = this.splits.get(split);
    if (!tasks) {
      tasks = splitDialogues(this.layout, split).map((d) => this.taskOf(d));
      this.splits.set(split, tasks);
    }
    return tasks;
  }

  getTask(id: string): Task {
    return this.taskOf(this.dialogue(id));
  }

  /** The MultiWOZ dialogue behind a task (its transcript feeds the guide and script simulators). */
  dialogue(id: string): MultiwozDialogue {
    const cached = this.dialogues.get(taskId(id.replace(/\.json$/, '')));
    if (cached) return cached;
    const found = findDialogue(this.layout, id);
    if (typeof found === 'string') throw new UnknownTaskError(id, found);
    return found;
  }

  execute(task: Task, name: string, args: unknown): ToolResult {
    return executeToolCall(this.catalog, this.db, task.goalCalls, name, args);
  }

  private taskOf(dialogue: MultiwozDialogue): Task {
    const id = taskId(dialogue.id);
    const hit = this.tasks.get(id);
    if (hit) return hit;
    const goalCalls = buildGoalCalls(dialogue, this.catalog.apiDefs, this.db);
    const task: Task = {
      id,
      env: 'toolwoz',
      domains: usedDomains(dialogue),
      goalMessage: goalSentences(dialogue),
      goalCalls,
      solvable: this.replayReward(goalCalls) === 1,
    };
    this.tasks.set(id, task);
    this.dialogues.set(id, dialogue);
    return task;
  }

  /** Golden replay: the goal calls, in order, through the tools, scored (spec 4.5). */
  replayReward(goalCalls: GoalCall[]): number {
    const calls = goalCalls.map(
      (g) => executeToolCall(this.catalog, this.db, goalCalls, g.name, g.parameters).call,
    );
    return toolwozScoring.conversationReward(goalCalls, calls).reward;
  }
}

const cache = new Map<string, ToolwozData>();

export function toolwozData(dataDir: string): ToolwozData {
  let data = cache.get(dataDir);
  if (!data) cache.set(dataDir, (data = new ToolwozData(dataDir)));
  return data;
}

/** Every file the environment reads from a data directory (the dataset version is their hash). */
export function toolwozDataFiles(dataDir: string): string[] {
  const { toolsFile, defsFile } = toolCatalogFiles(dataDir);
  const dbs = TOOLWOZ_DOMAINS.map((d) => dbPath(dataDir, d));
  return [...toolwozData(dataDir).layout.files, toolsFile, defsFile, ...dbs];
}
