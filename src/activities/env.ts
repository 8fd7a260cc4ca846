// Environment activities: task lookup, split resolution and tool execution. Each worker loads the
// environment once per data directory (getEnvironment caches) and serves every call from memory.
import { ApplicationFailure } from '@temporalio/common';
import { getEnvironment, type EnvironmentOptions } from '../env';
import { UnknownTaskError, type Environment, type Task } from '../env/types';
import { UserError } from '../util/errors';
import type {
  ExecuteToolInput,
  ExecuteToolOutput,
  FinalReward,
  FinalRewardInput,
  LoadTaskOutput,
  ResolveTasksInput,
  ResolveTasksOutput,
} from './types';

/** A bad task id or split will not get better by retrying. */
export function asNonRetryable(err: unknown): never {
  if (err instanceof UnknownTaskError || err instanceof UserError) {
    throw ApplicationFailure.create({ message: err.message, type: 'BadRunInput', nonRetryable: true });
  }
  throw err;
}

export function resolveTaskIds(dataDir: string, input: ResolveTasksInput): ResolveTasksOutput {
  // Task selection never depends on prompts.
  const env = getEnvironment(input.env, dataDir);
  const tasks = input.taskIds ? chosenTasks(env, input.split, input.taskIds) : env.listTasks(input.split);
  const kept = input.includeUnsolvable ? tasks : tasks.filter((t) => t.solvable);
  const end = input.limit !== undefined ? input.start + input.limit : undefined;
  const window = kept.slice(input.start, end);
  return {
    taskIds: window.map((t) => t.id),
    skippedUnsolvable: skippedIn(tasks, kept, input.start, end),
    candidates: kept.length,
  };
}

/** The unsolvable tasks passed over to fill the window kept[start, end): those of the split
 * between the task before the window and its last one (the rest of the split when the window runs
 * to its end), not every unsolvable task of the split (a --limit 2 run skipped 2 or 3, not 38). */
function skippedIn(tasks: Task[], kept: Task[], start: number, end: number | undefined): number {
  if (kept.length === tasks.length) return 0;
  const from = start === 0 ? 0 : tasks.indexOf(kept[Math.min(start, kept.length) - 1]) + 1;
  const to = end === undefined || end >= kept.length ? tasks.length : tasks.indexOf(kept[end - 1]) + 1;
  return tasks.slice(from, to).filter((t) => !t.solvable).length;
}

/** Explicit task ids: each once, and each of the run's split (which the run records as its own). */
function chosenTasks(env: Environment, split: string, ids: string[]): Task[] {
  const tasks = ids.map((id) => env.getTask(id));
  const seen = new Set<string>();
  tasks.forEach((task, i) => {
    if (seen.has(task.id)) throw new UserError(`--tasks (taskIds): "${ids[i]}" is listed twice`);
    seen.add(task.id);
  });
  const inSplit = new Set(env.listTasks(split).map((t) => t.id));
  const stranger = tasks.find((t) => !inSplit.has(t.id));
  if (stranger) {
    // Where it is instead, for the message; the largest split (train) is looked at last.
    const others = env.splits
      .filter((s) => s !== split)
      .sort((a, b) => Number(a === 'train') - Number(b === 'train'));
    const home = others.find((s) => {
      try {
        return env.listTasks(s).some((t) => t.id === stranger.id);
      } catch {
        return false; // that split's data is absent
      }
    });
    throw new UserError(
      `--tasks (taskIds): task "${stranger.id}" is not in split "${split}"` +
        (home ? ` (it is in ${home}: pass --split ${home})` : ''),
    );
  }
  return tasks;
}

export function createEnvActivities(dataDir: string, envOptions: EnvironmentOptions = {}) {
  return {
    async resolveTasks(input: ResolveTasksInput): Promise<ResolveTasksOutput> {
      try {
        return resolveTaskIds(dataDir, input);
      } catch (e) {
        asNonRetryable(e);
      }
    },

    async loadTask(input: { env: string; taskId: string }): Promise<LoadTaskOutput> {
      try {
        const task = getEnvironment(input.env, dataDir, envOptions).getTask(input.taskId);
        return { goalCalls: task.goalCalls, domains: task.domains };
      } catch (e) {
        asNonRetryable(e);
      }
    },

    // Final rewards may need the environment's data (τ-bench replays the gold actions on its
    // database), so they are computed here rather than in the workflow.
    async finalReward(input: FinalRewardInput): Promise<FinalReward> {
      try {
        const env = getEnvironment(input.env, dataDir, envOptions);
        return env.finalReward(env.getTask(input.taskId), input.calls, input.agentTexts);
      } catch (e) {
        asNonRetryable(e);
      }
    },

    async executeTool(input: ExecuteToolInput): Promise<ExecuteToolOutput> {
      const env = getEnvironment(input.env, dataDir, envOptions);
      try {
        return env.executeCall(
          env.getTask(input.taskId),
          input.call.name,
          input.call.arguments,
          input.prior ?? [],
        );
      } catch (e) {
        asNonRetryable(e);
      }
    },
  };
}
