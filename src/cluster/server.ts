// The real Temporal server (temporal-server, built by provisionServer.ts) as a child process,
// configured by deploy/temporal/config/josh.yaml through its environment. Ready once the frontend
// answers for the namespace; stop is SIGTERM then SIGKILL, kill is SIGKILL at once.
import { spawn } from 'node:child_process';
import type { Connection as ClientConnection } from '@temporalio/client';
import * as fs from 'node:fs';
import type { PortVar } from './deploy';
import { DEPLOY_DIR, serverArgs } from './deploy';
import { SEARCH_ATTRIBUTES } from '../shared/taskQueues';

export interface ServerProcessOptions {
  bin: string;
  /** Environment that config/josh.yaml reads (database, ports, dynamic config path). */
  env: Record<string, string>;
  ports: Record<PortVar, number>;
  logFile: string;
  /** In a process group of its own, not waited for: it outlives this process and a Ctrl-C in
   * its terminal (`josh cluster up --detach`). */
  detached?: boolean;
}

export interface ServerProcess {
  pid: number;
  exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function spawnServer(o: ServerProcessOptions): ServerProcess {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env };
  for (const [k, v] of Object.entries(o.ports)) env[k] = String(v);
  const args = serverArgs(DEPLOY_DIR);
  const log = fs.openSync(o.logFile, 'a');
  fs.writeSync(log, `\n# ${new Date().toISOString()} ${o.bin} ${args.join(' ')}\n`);
  const child = spawn(o.bin, args, {
    env,
    stdio: ['ignore', log, log],
    cwd: DEPLOY_DIR,
    detached: o.detached ?? false,
  });
  fs.closeSync(log);
  if (o.detached) child.unref();
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(err.message));
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid ?? -1,
    exited,
    async stop(graceMs = 15_000) {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A visibility query naming every search attribute josh sets. The frontend checks a query's
 * names, as it checks a start's attributes, against its cached copy of the namespace, which learns
 * attributes registered a moment ago only on its next refresh (seconds later): until this query is
 * accepted, a run started now would be refused ("no mapping defined for search attribute"). */
export const SEARCH_ATTRIBUTES_PROBE = Object.entries(SEARCH_ATTRIBUTES)
  .map(([name, type]) => `${name} = ${type === 'Keyword' ? "''" : type === 'Bool' ? 'false' : '0'}`)
  .join(' AND ');

/** Polls until the frontend answers DescribeNamespace for `namespace` and knows josh's search
 * attributes there (or, with no namespace yet, the health check); throws with the log's last
 * lines if the process exits or time runs out. */
export async function waitServerReady(
  address: string,
  namespace: string | null,
  proc: ServerProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  let died: number | string | null = null;
  void proc.exited.then((c) => (died = c));
  const until = Date.now() + timeoutMs;
  let last = '';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
  while (Date.now() < until) {
    if (died !== null)
      throw new Error(`temporal-server exited (${died}) before it was ready:\n${tail(logFile)}`);
    let conn: ClientConnection | undefined;
    try {
      conn = await Connection.connect({ address, connectTimeout: 2_000 });
      if (namespace) {
        await conn.workflowService.describeNamespace({ namespace });
        await conn.workflowService.countWorkflowExecutions({ namespace, query: SEARCH_ATTRIBUTES_PROBE });
      } else await conn.healthService.check({});
      return;
    } catch (err) {
      last = (err as Error).message.split('\n')[0] ?? '';
    } finally {
      await conn?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `temporal-server at ${address} not ready after ${timeoutMs} ms (${last}):\n${tail(logFile)}`,
  );
}

/** The log's last lines; the server's JSON lines shortened to level, message and error (their
 * stack traces would bury the cause). */
export function tail(file: string, lines = 12): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => {
        try {
          const j = JSON.parse(l) as { level?: string; msg?: string; error?: string };
          return `${j.level ?? '?'}: ${j.msg ?? ''}${j.error ? `: ${j.error}` : ''}`.slice(0, 400);
        } catch {
          return l.slice(0, 400);
        }
      })
      .join('\n');
  } catch {
    return '(no log)';
  }
}
