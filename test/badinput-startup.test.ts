// Bad input met when a command starts (before it has any work): a download server that never
// answers, addresses a server cannot bind, a --db-file or --runs-dir of the wrong kind. Each case
// runs the real `josh` CLI and expects one `josh: ` line on stderr that names the flag or URL, a
// non-zero exit, no stack trace and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../src/temporal/ports';

const JOSH = path.resolve(__dirname, '..', 'bin', 'josh.js');
/** Only a hang guard: every case here ends in seconds when the code works. */
const HANG_GUARD_MS = 120_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function josh(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JOSH, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), HANG_GUARD_MS);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Exit 2, exactly one `josh: ` line matching `error`, no stack lines. */
function assertOneLine(r: Result, error: RegExp): void {
  const all = `${r.stdout}${r.stderr}`;
  assert.equal(r.code, 2, `exit code (output:\n${all})`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('josh: '));
  assert.equal(lines.length, 1, `one josh: line, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', error);
  assert.doesNotMatch(all, /^\s+at /m, 'no stack trace');
}

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-startup-'));

/** A TCP server that calls `onSocket` for each connection; closed after `fn`. */
async function withServer<T>(onSocket: (s: net.Socket) => void, fn: (url: string) => Promise<T>): Promise<T> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

void test('josh data fetch: a server that accepts but never answers times out, naming the URL; no directory left', async () => {
  const cwd = tempDir();
  const dataDir = path.join(cwd, 'df');
  const r = await withServer(
    () => undefined, // accepts the connection, says nothing
    (url) => josh(['data', 'fetch', '--data-dir', dataDir, '--base-url', url, '--timeout', '0.5'], cwd),
  );
  assertOneLine(
    r,
    /^josh: http:\/\/127\.0\.0\.1:\d+\/toolwoz\/data\/tools\.json: download timed out.*--timeout/,
  );
  assert.ok(!fs.existsSync(dataDir), 'the data directory it created is gone again');
});

void test('josh data fetch: a body that stalls midway times out; an existing data directory is left as it was', async () => {
  const cwd = tempDir();
  const dataDir = path.join(cwd, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(dataDir, 'mine.txt'), 'keep me');
  const r = await withServer(
    (s) =>
      s.once('data', () =>
        // Headers and the first bytes of a longer body, then silence.
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n[{"a":'),
      ),
    (url) => josh(['data', 'fetch', '--data-dir', dataDir, '--base-url', url, '--timeout', '1'], cwd),
  );
  assertOneLine(r, /^josh: http:\/\/127\.0\.0\.1:\d+\/toolwoz\/data\/tools\.json: download timed out/);
  assert.deepEqual(
    fs.readdirSync(dataDir, { recursive: true }),
    ['mine.txt'],
    'no partial file, no empty dirs',
  );
});

void test('josh worker: a --runs-dir that is a regular file is refused at startup, before connecting', async () => {
  const cwd = tempDir();
  const file = path.join(cwd, 'keep.jsonl');
  fs.writeFileSync(file, '{"mine": true}\n');
  // Nothing listens on the address: a worker that went on to connect would fail with another line.
  const address = `127.0.0.1:${await freePort()}`;
  for (const runsDir of [file, path.join(file, 'sub')]) {
    const r = await josh(['worker', '--address', address, '--runs-dir', runsDir], cwd);
    assertOneLine(
      r,
      new RegExp(
        `^josh: --runs-dir ${runsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*expected a directory`,
      ),
    );
  }
  assert.equal(fs.readFileSync(file, 'utf8'), '{"mine": true}\n', 'the file is untouched');
});

void test('josh sim-model / josh server: an address this machine cannot bind is one line naming the flag', async () => {
  const cwd = tempDir();
  // 999.1.1.1 does not resolve; 192.0.2.1 (TEST-NET-1, RFC 5737) resolves but is no address of ours.
  for (const [host, reason] of [
    ['999.1.1.1', /ENOTFOUND/],
    ['192.0.2.1', /EADDRNOTAVAIL/],
  ] as const) {
    const sim = await josh(['sim-model', '--port', '0', '--host', host], cwd);
    assertOneLine(
      sim,
      new RegExp(`^josh: --host ${host.replace(/\./g, '\\.')}: cannot listen there \\(.*${reason.source}`),
    );
    const server = await josh(
      ['server', '--headless', '--port', '0', '--ip', host, '--db-file', 'a.db', '--log-file', 'a.log'],
      cwd,
    );
    assertOneLine(
      server,
      new RegExp(`^josh: --ip ${host.replace(/\./g, '\\.')}: cannot listen there \\(.*${reason.source}`),
    );
  }
  assert.deepEqual(fs.readdirSync(cwd), [], 'no database or log file made');
});

void test('josh server: a --db-file or --log-file that is a directory, or under a file, is one line before the server starts', async () => {
  const cwd = tempDir();
  fs.mkdirSync(path.join(cwd, 'dir'));
  fs.writeFileSync(path.join(cwd, 'file'), 'mine\n');
  const server = (db: string, log: string): Promise<Result> =>
    josh(['server', '--headless', '--port', '0', '--db-file', db, '--log-file', log], cwd);
  assertOneLine(
    await server('dir', 'x.log'),
    /^josh: --db-file dir is a directory; expected a SQLite file path$/,
  );
  assertOneLine(
    await server('file/a.db', 'x.log'),
    /^josh: --db-file file\/a\.db: \S+file is a file, not a directory; expected a SQLite file path$/,
  );
  assertOneLine(
    await server('a.db', 'dir'),
    /^josh: --log-file dir is a directory; expected a log file path$/,
  );
  assert.deepEqual(fs.readdirSync(cwd).sort(), ['dir', 'file'], 'nothing made');
  assert.deepEqual(fs.readdirSync(path.join(cwd, 'dir')), []);
});
