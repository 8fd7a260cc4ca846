// The processes the bench starts (`josh worker`, `josh sim-model`) and what it reads of them from
// /proc: CPU seconds and peak memory. Linux only, like the figures in docs/benchmark.md.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const JOSH = path.join(ROOT, 'bin', 'josh.js');

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** `node [nodeArgs] bin/josh.js args…`, its output kept (the tail) and appended to `logFile`. */
export function startJosh(
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  nodeArgs: string[] = [],
): Proc {
  const child = spawn(process.execPath, [...nodeArgs, JOSH, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  for (const s of [child.stdout!, child.stderr!]) {
    s.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.length > 1_000_000) out = out.slice(-100_000);
      log.write(c);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => out, exited };
}

export async function waitFor(
  p: Proc,
  pattern: RegExp,
  what: string,
  ms = 120_000,
): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null || Date.now() > until) {
      throw new Error(`${what} did not start:\n${p.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

const CLK_TCK = 100;
/** User + system CPU seconds of a process so far (Linux /proc). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak resident set size in MiB (VmHWM). */
export function peakRssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of a process and all its descendants, the exited ones included (what the kernel
 * adds to a parent's cutime/cstime when it reaps a child). For PostgreSQL: the postmaster forks a
 * backend per connection and its background workers.
 */
export function treeCpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const own = (p: number): number => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
    } catch {
      return 0;
    }
  };
  const walk = (p: number): number => own(p) + (children.get(p) ?? []).reduce((a, c) => a + walk(c), 0);
  return walk(pid);
}
