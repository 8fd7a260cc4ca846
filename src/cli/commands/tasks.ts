// `josh tasks --env E --split S`: the built tasks as JSONL, one task per line, in the stable key
// order documented in docs/toolwoz.md and docs/tau-bench.md (other tools diff it). The environments
// and their splits come from the registry. Nothing is written on error.
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../config/run';
import { resolveDataDir } from '../../env/dataDir';
import { DEFAULT_ENV, describeEnvironments, ENVIRONMENT_NAMES, getEnvironment } from '../../env';
import { environmentPlugin } from '../../env/registry';
import { UnknownTaskError, type Environment, type Task } from '../../env/types';
import { checkOutFile, writeFileAtomic } from '../../util/atomicWrite';
import { UserError } from '../../util/errors';
import { idListArg } from '../argParsers';

const TasksFlags = z.object({
  env: z.string().min(1).default(DEFAULT_ENV),
  split: z.string().min(1).optional(),
  tasks: z.string().min(1).optional(),
  dataDir: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
});

/** One task as a JSONL line: {id, domains, goalMessage, userId?, goalCalls: [{name, parameters,
 * returns?}], outputs?, solvable}. ToolWOZ tasks have no userId/outputs, so their lines are as they
 * always were; a τ task's goalMessage is its instruction, as one entry. */
export function taskLine(task: Task): string {
  return JSON.stringify({
    id: task.id,
    domains: task.domains,
    goalMessage: task.goalMessage,
    ...(task.userId === undefined ? {} : { userId: task.userId }),
    goalCalls: task.goalCalls.map((g) =>
      g.returns === undefined
        ? { name: g.name, parameters: g.parameters }
        : { name: g.name, parameters: g.parameters, returns: g.returns },
    ),
    ...(task.outputs === undefined ? {} : { outputs: task.outputs }),
    solvable: task.solvable,
  });
}

/** Unknown ids are the user's mistake: report them as one line, not a stack. */
function userFacing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UnknownTaskError) throw new UserError(e.message);
    throw e;
  }
}

function selectTasks(env: Environment, split: string | undefined, ids: string[] | undefined): Task[] {
  if (!ids) return env.listTasks(split!);
  const inSplit = split === undefined ? undefined : new Map(env.listTasks(split).map((t) => [t.id, t]));
  return ids.map((id) => {
    const task = env.getTask(id);
    if (inSplit && !inSplit.has(task.id)) throw new UserError(`task ${task.id} is not in the ${split} split`);
    return task;
  });
}

export function register(program: Command): void {
  program
    .command('tasks')
    .description(
      'write the tasks of a split as JSONL, one task per line (see docs/toolwoz.md, docs/tau-bench.md)',
    )
    .option('--env <name>', `environment: ${ENVIRONMENT_NAMES.join(' | ')}`, DEFAULT_ENV)
    .option('--split <split>', `a split of the environment: ${describeEnvironments()}`)
    .option(
      '--tasks <ids>',
      'only these task ids, comma-separated (e.g. MUL0003.json,SNG0073.json or test-0,test-7)',
    )
    .option('--data-dir <dir>', 'data directory (default: JOSH_DATA_DIR, ./data, or ../shared)')
    .option('--out <file>', 'output file (default: standard output)')
    .action((raw: Record<string, unknown>) => {
      const parsed = TasksFlags.safeParse(raw);
      if (!parsed.success) throw new UserError(formatZodError('josh tasks', parsed.error));
      const f = parsed.data;
      const ids = f.tasks === undefined ? undefined : idListArg('--tasks')(f.tasks);
      if (f.out) checkOutFile('--out', f.out);
      const repeated = ids?.find((id, i) => ids.indexOf(id) !== i);
      if (repeated) throw new UserError(`josh tasks: --tasks lists ${repeated} twice`);
      const tasks = userFacing(() => {
        const env = getEnvironment(f.env, resolveDataDir(f.dataDir));
        // Neither --split nor --tasks: the environment's default split, as the help says.
        const split = f.split ?? (ids ? undefined : environmentPlugin(f.env).defaultSplit);
        return selectTasks(env, split, ids);
      });
      const text = tasks.map(taskLine).join('\n') + (tasks.length ? '\n' : '');
      if (f.out) {
        writeFileAtomic(f.out, text);
        const solvable = tasks.filter((t) => t.solvable).length;
        process.stderr.write(`wrote ${tasks.length} tasks (${solvable} solvable) to ${f.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
