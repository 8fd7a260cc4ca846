// A port picked for the dev server can be bound by another process before the server binds it
// (two runs starting at once, a test picking ports): the start picks again. A port the caller
// fixed is not replaced behind the caller's back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DevServerStartError, startDevServer } from '../src/temporal/devServer';
import { freePort, isListening } from '../src/temporal/ports';
import { temporalCliPath } from './helpers/chaos';

/** A port bound by another process but not listening: a connect to it is refused (so it looks
 * free), and a server's bind of it fails "address already in use". Node cannot bind TCP without
 * listening; Python can. */
async function boundNotListening(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('python3', [
    '-c',
    `import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", ${port})); print("bound", flush=True); time.sleep(600)`,
  ]);
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.once('data', () => resolve());
    proc.once('exit', (code) => reject(new Error(`python3 exited ${code}`)));
  });
  return { port, proc };
}

const startLines = (log: string): number =>
  (fs.readFileSync(log, 'utf8').match(/ server start-dev /g) ?? []).length;

void test('the preferred Web UI port, taken between the check and the bind: the server starts on another one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-ports-'));
  const held = await boundNotListening();
  try {
    assert.equal(await isListening('127.0.0.1', held.port), false, 'the held port looks free');
    const logFile = path.join(dir, 'server.log');
    const server = await startDevServer({
      cliPath: await temporalCliPath(),
      port: 0,
      uiPort: 0,
      preferUiPort: held.port,
      logFile,
    });
    try {
      assert.notEqual(server.uiUrl, `http://127.0.0.1:${held.port}`);
      assert.equal((await fetch(server.uiUrl!)).status, 200);
      // The first attempt did take the preferred port, and failed on it.
      assert.equal(startLines(logFile), 2);
      assert.match(
        fs.readFileSync(logFile, 'utf8'),
        new RegExp(`:${held.port}: bind: address already in use`),
      );
    } finally {
      await server.stop();
    }
  } finally {
    held.proc.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('a Web UI port the caller fixed, taken: the start fails and says so, without a second try', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-ports-'));
  const held = await boundNotListening();
  try {
    const logFile = path.join(dir, 'server.log');
    await assert.rejects(
      startDevServer({ cliPath: await temporalCliPath(), port: 0, uiPort: held.port, logFile }),
      (e: unknown) =>
        e instanceof DevServerStartError &&
        new RegExp(`UI port ${held.port}.*address already in use`).test(e.reason),
    );
    assert.equal(startLines(logFile), 1);
  } finally {
    held.proc.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test("a failed start quotes its own error, not an earlier start's from the same log file", async () => {
  // The log is appended to: it said "exited (1) before it was ready: <yesterday's failure>", since
  // this start's only error was a JSON line ({"level":"FATAL","message":...}) it did not read.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-ports-'));
  try {
    const logFile = path.join(dir, 'server.log');
    fs.writeFileSync(logFile, 'level=ERROR msg="an earlier failure"\nError: an earlier failure too\n');
    const port = await freePort();
    await assert.rejects(
      // The Web UI on the gRPC port: the second bind fails.
      startDevServer({ cliPath: await temporalCliPath(), port, uiPort: port, logFile }),
      (e: unknown) =>
        e instanceof DevServerStartError &&
        !/earlier failure/.test(e.reason) &&
        !/earlier failure/.test(e.logTail) &&
        new RegExp(`:${port}: bind: address already in use`).test(e.reason),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
