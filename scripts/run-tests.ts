// `npm test [-- files or node --test flags]`: provisions the temporal CLI, starts ONE headless,
// in-memory dev server on free ports for the whole suite, runs node's test runner over
// test/**/*.test.ts with JOSH_TEST_TEMPORAL_ADDRESS pointing at it, then stops the server.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevServer, type DevServerHandle } from '../src/temporal/devServer';
import { provisionTemporalCli } from '../src/temporal/provision';

const ROOT = path.resolve(__dirname, '..');

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

async function main(): Promise<number> {
  const { files, nodeFlags } = selectTests(process.argv.slice(2));
  if (files.length === 0) throw new Error('no test files found');

  const cli = await provisionTemporalCli();
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

  const runner = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...nodeFlags, ...files],
    {
      cwd: ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        JOSH_TEST_TEMPORAL_ADDRESS: server.address,
        JOSH_TEST_TEMPORAL_NAMESPACE: server.namespace,
        JOSH_TEST_TEMPORAL_CLI: cli.path,
      },
    },
  );
  // Ctrl-C reaches the runner through the terminal; we only make sure the server goes too.
  const forward = (sig: NodeJS.Signals) => runner.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) =>
    runner.on('exit', (c, sig) => resolve(c ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : 1))),
  );

  await server.stop();
  if (code === 0) fs.rmSync(tmp, { recursive: true, force: true });
  else process.stderr.write(`test harness: tests failed (exit ${code}); server log kept at ${logFile}\n`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test harness: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
