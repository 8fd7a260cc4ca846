// Running the josh CLI from tests against the suite's Temporal server, and waiting on a condition
// that a run reaches in its own time.
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { testAddress, testNamespace } from './temporal';

const JOSH = path.resolve(__dirname, '..', '..', 'bin', 'josh.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `josh <args>` to its end for a command that needs no Temporal server (tasks, score,
 * export): its exit status and output. */
export function joshSync(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [JOSH, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `josh <args> --address … --namespace …` (the suite's server) without blocking this
 * process's event loop, whose workers may be serving the run the command looks at. */
export function joshAgainstTestServer(...args: string[]): Promise<Ran> {
  const conn = ['--address', testAddress(), '--namespace', testNamespace()];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [JOSH, ...args, ...conn],
      { env: { ...process.env, JOSH_LOG_LEVEL: 'warn' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Calls `get` every `everyMs` until `ok` holds for its value; fails naming `what` and the last value. */
export async function pollUntil<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  { timeoutMs = 60_000, everyMs = 250 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
