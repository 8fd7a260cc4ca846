// Connection settings: validation names the variable or flag the user set; connecting fails fast
// with one clear line against refused, silent and wrong-namespace endpoints, and works against
// the suite's real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  connectClient,
  connectWorker,
  describeConnection,
  isLoopbackAddress,
  resolveConnectionConfig,
  tlsConfig,
} from '../src/config/connection';
import { freePort } from '../src/temporal/ports';
import { UserError } from '../src/util/errors';
import { Client } from '@temporalio/client';
import { sleep, startOwnServer } from './helpers/chaos';
import { testAddress, uniqueTaskQueue } from './helpers/temporal';

const SECRET = 'sk-very-secret-key';

void test('defaults are the local dev server, flags override the environment', () => {
  const d = resolveConnectionConfig({}, {});
  assert.equal(d.address, 'localhost:7233');
  assert.equal(d.namespace, 'default');
  assert.equal(d.apiKey, undefined);
  assert.equal(tlsConfig(d), false);
  const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'prod' };
  assert.equal(resolveConnectionConfig({}, env).address, 'temporal:7233');
  const c = resolveConnectionConfig({ address: 'other:7000' }, env);
  assert.equal(c.address, 'other:7000');
  assert.equal(c.namespace, 'prod');
});

void test('a bad address names the variable or the flag it came from', () => {
  assert.throws(
    () => resolveConnectionConfig({}, { TEMPORAL_ADDRESS: 'localhost' }),
    (e: unknown) => e instanceof UserError && /TEMPORAL_ADDRESS: must be host:port/.test(e.message),
  );
  assert.throws(
    () => resolveConnectionConfig({ address: 'http://x:1' }, {}),
    (e: unknown) => e instanceof UserError && /--address: must be host:port/.test(e.message),
  );
});

void test('mTLS needs both halves, readable files, and TEMPORAL_TLS must be a boolean', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-conn-'));
  const cert = path.join(dir, 'client.pem');
  fs.writeFileSync(cert, 'not really a cert');
  assert.throws(
    () => resolveConnectionConfig({}, { TEMPORAL_TLS_CERT: cert }),
    (e: unknown) => e instanceof UserError && /TEMPORAL_TLS_KEY: mTLS needs both/.test(e.message),
  );
  assert.throws(
    () => resolveConnectionConfig({ tlsCert: cert, tlsKey: path.join(dir, 'missing.key') }, {}),
    (e: unknown) => e instanceof UserError && /--tls-key: must be a readable file/.test(e.message),
  );
  assert.throws(
    () => resolveConnectionConfig({}, { TEMPORAL_TLS: 'maybe' }),
    (e: unknown) => e instanceof UserError && /TEMPORAL_TLS:/.test(e.message),
  );
  fs.rmSync(dir, { recursive: true });
});

void test('an API key turns TLS on and is never shown', () => {
  const c = resolveConnectionConfig(
    {},
    { TEMPORAL_API_KEY: SECRET, TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233' },
  );
  assert.ok(tlsConfig(c), 'TLS implied by the key');
  assert.ok(!describeConnection(c).includes(SECRET));
  assert.match(describeConnection(c), /tls, api key/);
  assert.equal(
    tlsConfig(resolveConnectionConfig({}, { TEMPORAL_API_KEY: SECRET, TEMPORAL_TLS: 'false' })),
    false,
  );
  // An invalid setting next to a key must not echo the key either.
  try {
    resolveConnectionConfig({ apiKey: SECRET, address: 'bad' }, {});
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof UserError && !e.message.includes(SECRET));
  }
});

/** Fails with one clear line. "Fast" is read from the reason the code gives (refused at once, or
 * its own connect timeout), not from the clock of a loaded machine. */
async function assertFailsFast(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `a UserError, got ${String(e)}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

void test('a refused port fails within seconds with a clear message (client and worker)', async () => {
  const port = await freePort();
  const c = resolveConnectionConfig({ address: `127.0.0.1:${port}` }, {});
  // Refused at once: not a wait for the connect timeout ("no answer within ...").
  await assertFailsFast(
    () => connectWorker(c, 3_000),
    /cannot reach Temporal at 127\.0\.0\.1:\d+: connection refused/,
  );
  // The client's transport retries a refused port until the connect timeout the code gives it.
  await assertFailsFast(
    () => connectClient(c, 2_000),
    /cannot reach Temporal at .*: (connection refused|no answer within 2 s)/,
  );
});

void test('a port that accepts but never answers hits the connect timeout', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const { port } = silent.address() as net.AddressInfo;
  const c = resolveConnectionConfig({ address: `127.0.0.1:${port}` }, {});
  try {
    await assertFailsFast(() => connectWorker(c, 1_500), /no answer within 2 s/);
    await assertFailsFast(() => connectClient(c, 1_500), /cannot reach Temporal/);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

void test("an API key against a server without TLS (the suite's dev server): the message says TLS is why, and how to turn it off", async () => {
  const c = resolveConnectionConfig({ address: testAddress(), apiKey: SECRET }, {});
  await assertFailsFast(
    () => connectClient(c, 1_500),
    /no answer within 2 s over TLS, which is on because an API key is set; .*needs TEMPORAL_TLS=false$/,
  );
  const off = resolveConnectionConfig({ address: testAddress(), apiKey: SECRET }, { TEMPORAL_TLS: 'false' });
  const client = await connectClient(off);
  await client.close();
});

void test('against the real server: connects, and an unknown namespace is a clear error', async () => {
  const ok = resolveConnectionConfig({ address: testAddress() }, {});
  const client = await connectClient(ok);
  await client.close();
  const worker = await connectWorker(ok);
  await worker.close();
  const missing = resolveConnectionConfig({ address: testAddress(), namespace: 'no-such-ns' }, {});
  await assertFailsFast(() => connectClient(missing), /namespace "no-such-ns" does not exist/);
  await assertFailsFast(() => connectWorker(missing), /namespace "no-such-ns" does not exist/);
});

void test("a worker connection to this machine goes without gRPC compression; a remote one keeps core's gzip", async () => {
  for (const a of ['localhost:7233', 'LOCALHOST:1', '127.0.0.1:7233', '127.1.2.3:80', '[::1]:7233']) {
    assert.equal(isLoopbackAddress(a), true, a);
  }
  for (const a of [
    'temporal:7233',
    'my-ns.tmprl.cloud:7233',
    '10.0.0.5:7233',
    '[2001:db8::1]:7233',
    '127.example.com:1',
  ]) {
    assert.equal(isLoopbackAddress(a), false, a);
  }
  // What connectWorker actually asks core for, against the suite's real (loopback) server.
  const { NativeConnection } = await import('@temporalio/worker');
  const real = NativeConnection.connect.bind(NativeConnection);
  const asked: unknown[] = [];
  NativeConnection.connect = (options) => {
    asked.push(options?.grpcCompression);
    return real(options);
  };
  try {
    const worker = await connectWorker(resolveConnectionConfig({ address: testAddress() }, {}));
    await worker.close();
  } finally {
    NativeConnection.connect = real;
  }
  assert.deepEqual(asked, [{ codec: 'none' }]);
});

void test('closing a client connection while a call is out and the server goes away: no uncaught "Channel has been shut down"', async () => {
  // The SDK retries an UNAVAILABLE call from a timer; a retry that fired on a closed channel threw
  // from that timer and killed the process (josh harvest on Ctrl-C, exit 1 instead of 130).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-close-'));
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => void uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    for (const order of ['close, then the server stops', 'the server stops, then close'] as const) {
      const server = await startOwnServer(dir, { persist: false });
      const connection = await connectClient(resolveConnectionConfig({ address: server.address }, {}));
      const client = new Client({ connection });
      // A workflow no worker serves: its result() is a long poll that stays out.
      const handle = await client.workflow.start('noSuchWorkflow', {
        taskQueue: uniqueTaskQueue('close'),
        workflowId: `close-${Date.now()}`,
      });
      const result = handle.result().then(
        () => 'answered',
        () => 'failed',
      );
      await sleep(300);
      if (order === 'close, then the server stops') {
        await connection.close();
        await server.stop();
      } else {
        await server.stop(); // the long poll fails UNAVAILABLE and a retry is scheduled
        await connection.close();
      }
      assert.equal(await result, 'failed', order);
      await sleep(1_000); // a first retry is due 100-120 ms after the failure
      assert.deepEqual(uncaught.map(String), [], order);
    }
  } finally {
    process.removeListener('uncaughtException', onUncaught);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
