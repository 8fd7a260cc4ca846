// `npm test [-- files or node --test flags]`: provisions the temporal CLI, starts ONE headless,
// dev server (on a temporary SQLite file) on free ports for the whole suite, runs node's test runner over
// test/**/*.test.ts with JOSH_TEST_TEMPORAL_ADDRESS pointing at it, then stops the server.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevServer, type DevServerHandle } from '../src/temporal/devServer';
import { findPostgresBin } from '../src/cluster/postgres';
import { provisionTemporalCli } from '../src/temporal/provision';
import { provisionTemporalServer } from '../src/temporal/provisionServer';

const ROOT = path.resolve(__dirname, '..');
// A test file counts as one test here: the chaos file runs five 20-task harvests at once, which on a
// busy 2-core machine takes more than 300 s; a hang still ends well inside the suite's timeout.
const PER_TEST_TIMEOUT_MS = Number(process.env.JOSH_TEST_TIMEOUT_S ?? 600) * 1000;
/** The whole run; CI allows 90 minutes for everything, so a hang must fail well before that. */
const SUITE_TIMEOUT_MS = Number(process.env.JOSH_TEST_SUITE_TIMEOUT_S ?? 2400) * 1000;
/** After the runner's closing summary, how long its test processes get to exit. */
const EXIT_GRACE_MS = 20_000;

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...findTests(p));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** Positional args are files or folders; anything starting with `-` goes to `node --test`. */
function selectTests(args: string[]): { files: string[]; nodeFlags: string[] } {
  const nodeFlags = args.filter((a) => a.startsWith('-'));
  const picks = args.filter((a) => !a.startsWith('-'));
  if (picks.length === 0) return { files: findTests(path.join(ROOT, 'test')), nodeFlags };
  const files = picks.flatMap((p) => {
    const abs = path.resolve(p);
    if (!fs.existsSync(abs)) throw new Error(`no such test file or folder: ${p}`);
    return fs.statSync(abs).isDirectory() ? findTests(abs) : [abs];
  });
  return { files, nodeFlags };
}

function hasPostgres(): boolean {
  try {
    findPostgresBin();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const { files, nodeFlags } = selectTests(process.argv.slice(2));
  if (files.length === 0) throw new Error('no test files found');

  const cli = await provisionTemporalCli();
  // The cluster test needs the real server (a Go build, cached per user like the CLI): build it
  // here, before any file's timeout runs, when that test will run (in CI, or with PostgreSQL).
  if (files.some((f) => path.basename(f).startsWith('cluster')) && (process.env.CI || hasPostgres())) {
    await provisionTemporalServer();
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-test-'));
  const logFile = path.join(tmp, 'temporal-server.log');
  const started = Date.now();
  const server: DevServerHandle = await startDevServer({
    cliPath: cli.path,
    port: 0,
    uiPort: false,
    logFile,
  });
  process.stderr.write(
    `test harness: temporal dev server ${server.address} (${cli.version}, ${cli.source}) ready in ` +
      `${Date.now() - started} ms; ${files.length} test files\n`,
  );

  const env = {
    ...process.env,
    JOSH_TEST_TEMPORAL_ADDRESS: server.address,
    JOSH_TEST_TEMPORAL_NAMESPACE: server.namespace,
    JOSH_TEST_TEMPORAL_CLI: cli.path,
  };
  const reporter = process.stdout.isTTY ? 'spec' : 'tap';
  const args = ['--import', 'tsx', '--test', '--test-concurrency=2', `--test-reporter=${reporter}`];
  args.push(`--test-timeout=${PER_TEST_TIMEOUT_MS}`, ...nodeFlags, ...files);
  const code = await runRunner(args, env);

  await server.stop();
  if (code === 0) fs.rmSync(tmp, { recursive: true, force: true });
  else process.stderr.write(`test harness: tests failed (exit ${code}); server log kept at ${logFile}\n`);
  return code;
}

/**
 * Runs node's test runner in its own process group, echoing its output. Node 20 reports a test
 * file that timed out but keeps waiting for that file's process, so once the closing summary
 * (`duration_ms`, unindented) has been printed we give the processes a grace period, then end the
 * whole group and take the verdict from the summary. Same on the suite timeout and on Ctrl-C.
 */
function runRunner(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const runner = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const killGroup = () => {
    try {
      if (runner.pid) process.kill(-runner.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let failed: number | null = null;
  let pending = '';
  let graceTimer: NodeJS.Timeout | undefined;
  runner.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // Timed-out files count as `cancelled`, not `fail`; both are failures here.
      const bad = /^(?:# |\S+ )(fail|cancelled) (\d+)$/.exec(line);
      if (bad) failed = (bad[1] === 'fail' ? 0 : (failed ?? 0)) + Number(bad[2]);
      if (/^(?:# |\S+ )duration_ms /.test(line) && failed !== null && !graceTimer) {
        graceTimer = setTimeout(() => {
          process.stderr.write('test harness: test processes still running after the summary; ending them\n');
          killGroup();
        }, EXIT_GRACE_MS);
      }
    }
  });
  const suiteTimer = setTimeout(() => {
    process.stderr.write(`test harness: suite timeout (${SUITE_TIMEOUT_MS / 1000} s); ending the test run\n`);
    failed = Math.max(failed ?? 0, 1);
    killGroup();
  }, SUITE_TIMEOUT_MS);
  const interrupt = () => {
    failed = Math.max(failed ?? 0, 1);
    killGroup();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return new Promise((resolve) => {
    runner.on('close', (c) => {
      clearTimeout(suiteTimer);
      clearTimeout(graceTimer);
      killGroup(); // leftovers of test files (servers they spawned, ...)
      // Killed after its summary: the summary's verdict stands. Otherwise the exit code does.
      if (c === null && graceTimer) resolve(failed ? 1 : 0);
      else resolve(c === 0 && !failed ? 0 : Math.max(c ?? 1, 1));
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test harness: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
