// The server build's lock (src/temporal/provisionServer.ts): two processes provisioning at once
// must not both run `go install` into the cache, and a lock left by a killed build must not block
// the next one forever. The build itself is measured, not tested here (README, "Tests and CI"); the
// cluster test uses its result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireLock, cachedServerDir, provisionTemporalServer } from '../src/temporal/provisionServer';
import { UserError } from '../src/util/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-lock-'));

void test('a second holder waits until the first releases the lock', async () => {
  const file = path.join(tmp(), 'build.lock');
  const order: string[] = [];
  const release = await acquireLock(file, 10_000, () => undefined);
  assert.equal(fs.readFileSync(file, 'utf8'), String(process.pid));
  const second = acquireLock(file, 10_000, () => undefined).then((r) => {
    order.push('second acquired');
    return r;
  });
  await new Promise((r) => setTimeout(r, 1_500));
  order.push('first releases');
  release();
  (await second)();
  assert.deepEqual(order, ['first releases', 'second acquired']);
  assert.equal(fs.existsSync(file), false, 'released');
});

void test("a lock whose owner is dead is taken over; a live owner's is not", async () => {
  const file = path.join(tmp(), 'build.lock');
  // A pid that surely ran and exited: a finished child's.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout;
  fs.writeFileSync(file, dead);
  const release = await acquireLock(file, 5_000, () => undefined);
  assert.equal(fs.readFileSync(file, 'utf8'), String(process.pid));
  release();

  fs.writeFileSync(file, String(process.ppid)); // alive: the test runner
  await assert.rejects(
    acquireLock(file, 1_500, () => undefined),
    /waited 1\.5s for .*held by pid/,
  );
});

void test('findOnly names the command that builds the server when the cache has none', async () => {
  const env = { ...process.env, JOSH_CACHE_DIR: tmp() };
  await assert.rejects(
    provisionTemporalServer({ env, findOnly: true }),
    (err: Error) =>
      err.message.includes(cachedServerDir(env)) && err.message.includes('josh cluster provision'),
  );
});

void test('a failed Go build of the server is one line naming what failed, not a stack', async () => {
  const bin = tmp();
  // A `go` that answers `go version` and fails every build, as one without network access does.
  fs.writeFileSync(
    path.join(bin, 'go'),
    '#!/bin/sh\nif [ "$1" = version ]; then echo "go version go0.0 fake"; exit 0; fi\necho "go: no network" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    JOSH_CACHE_DIR: tmp(),
  };
  await assert.rejects(
    provisionTemporalServer({ env, log: () => undefined }),
    (err: Error) =>
      err instanceof UserError &&
      // The build's first go command (fetching the SQLite driver for its statement cache) fails.
      /^building temporal server v\S+ failed: go mod download modernc\.org\/sqlite \(exit 1\): go: no network$/.test(
        err.message,
      ),
  );
});
