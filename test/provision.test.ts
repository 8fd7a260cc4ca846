// Provisioning order and failure messages, with the real binary the harness provisioned (and,
// when JOSH_TEST_GO_BUILD=1, the real `go install` path into a throwaway cache).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  TEMPORAL_BUILD_MODULE_DIR,
  cachedCliPath,
  cacheRoot,
  provisionTemporalCli,
  pruneOtherBuilds,
  SQLITE_DRIVER_VERSION,
  TEMPORAL_CLI_VERSION,
} from '../src/temporal/provision';
import { TEMPORAL_SERVER_VERSION } from '../src/temporal/provisionServer';
import {
  applyEdits,
  SQLITE_STATEMENT_CACHE_ID,
  writeCachingDriver,
} from '../src/temporal/sqliteStatementCache';
import {
  applyCliEdits,
  CLI_EDITS,
  CLI_METRICS_SWITCH_ID,
  CLI_MODULE,
} from '../src/temporal/cliMetricsSwitch';
import {
  applyServerEdits,
  SERVER_EDITS,
  SERVER_MODULE,
  SERVER_STREAM_WORKERS_ID,
} from '../src/temporal/serverStreamWorkers';
import { moduleDir } from '../src/temporal/goModulePatch';
import { UserError } from '../src/util/errors';

const realCli = process.env.JOSH_TEST_TEMPORAL_CLI;
const quiet = () => undefined;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'josh-prov-'));

void test('the cache lives under JOSH_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
  assert.equal(cacheRoot({ JOSH_CACHE_DIR: '/c/j' }), '/c/j');
  assert.equal(cacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/josh-harvest');
  assert.equal(cacheRoot({}), path.join(os.homedir(), '.cache', 'josh-harvest'));
  assert.equal(
    cachedCliPath({ JOSH_CACHE_DIR: '/c' }),
    `/c/temporal-cli-v${TEMPORAL_CLI_VERSION}-sqlite-v${SQLITE_DRIVER_VERSION}-${SQLITE_STATEMENT_CACHE_ID}` +
      `-${CLI_METRICS_SWITCH_ID}-${SERVER_STREAM_WORKERS_ID}/temporal`,
  );
});

// ---------------------------------------------------------------------------------------------
// The build module (deploy/temporal-build): the CLI at its release, the SQLite driver raised

const goAvailable = spawnSync('go', ['version']).status === 0;
/** Without Go a developer's machine skips these; CI has Go and must run them. */
const needsGo = !goAvailable && process.env.CI !== 'true' && 'needs Go on PATH';

void test('the build module requires the pinned CLI and server and the SQLite driver the cache entries are named after', () => {
  const goMod = fs.readFileSync(path.join(TEMPORAL_BUILD_MODULE_DIR, 'go.mod'), 'utf8');
  assert.match(goMod, new RegExp(`^\\s*github\\.com/temporalio/cli v${TEMPORAL_CLI_VERSION}$`, 'm'));
  assert.match(goMod, new RegExp(`^\\s*modernc\\.org/sqlite v${SQLITE_DRIVER_VERSION}$`, 'm'));
  // josh cluster's server is built in the same module, at the version the CLI embeds.
  assert.match(goMod, new RegExp(`^\\s*go\\.temporal\\.io/server v${TEMPORAL_SERVER_VERSION}$`, 'm'));
  assert.ok(
    fs.existsSync(path.join(TEMPORAL_BUILD_MODULE_DIR, 'go.sum')),
    'go.sum is committed beside go.mod',
  );
});

void test(
  "the build's SQLite driver (with its statement cache) survives queries cut off by deadlines, a connection it drops keeps a file database, and a cached statement behaves like a fresh one (go test)",
  { skip: needsGo, timeout: 15 * 60_000 },
  () => {
    const dir = tmp();
    try {
      const modfile = writeCachingDriver(dir, TEMPORAL_BUILD_MODULE_DIR, process.env);
      // CGO_ENABLED=0 as in the CLI's build, so Go reuses the driver packages that build compiled.
      const r = spawnSync('go', ['test', '-mod=readonly', `-modfile=${modfile}`, '-count=1', './...'], {
        cwd: TEMPORAL_BUILD_MODULE_DIR,
        env: { ...process.env, CGO_ENABLED: '0', GOWORK: 'off' },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, `go test in ${TEMPORAL_BUILD_MODULE_DIR}:\n${r.stdout}\n${r.stderr}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test("the statement cache's edits to the driver fail loudly on a driver whose text differs", () => {
  const edits = [
    { file: 'conn.go', find: 'type conn struct {\n', replace: 'type conn struct { // edited\n' },
  ];
  assert.equal(
    applyEdits('conn.go', 'a\ntype conn struct {\n}\n', edits),
    'a\ntype conn struct { // edited\n}\n',
  );
  assert.equal(applyEdits('rows.go', 'untouched', edits), 'untouched', 'edits apply to their own file only');
  for (const text of ['type conn struct{\n}\n', 'type conn struct {\ntype conn struct {\n']) {
    assert.throws(
      () => applyEdits('conn.go', text, edits),
      /the SQLite driver's conn\.go does not hold exactly one copy of the text .*"type conn struct \{"/,
    );
  }
});

void test(
  "the metrics switch's edits apply once each to the pinned CLI's source, and fail loudly on other text",
  { skip: needsGo },
  () => {
    const dir = moduleDir(CLI_MODULE, TEMPORAL_BUILD_MODULE_DIR, process.env);
    for (const file of new Set(CLI_EDITS.map((e) => e.file))) {
      const edited = applyCliEdits(file, fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.match(edited, /os\.Getenv\("JOSH_DEV_SERVER_METRICS"\) == "off"/);
      assert.match(edited, /if opts\.MetricsPort > 0 \{\n\t\tcctx\.Printer\.Printlnf\("%-8s http/);
    }
    assert.throws(
      () => applyCliEdits('temporalcli/commands.server.go', 'package temporalcli\n'),
      /the temporal CLI's temporalcli\/commands\.server\.go does not hold exactly one copy of the text the metrics switch edits/,
    );
  },
);

void test(
  "the stream workers' edits apply once each to the pinned server's source, and fail loudly on other text",
  { skip: needsGo },
  () => {
    const dir = moduleDir(SERVER_MODULE, TEMPORAL_BUILD_MODULE_DIR, process.env);
    const files = new Set(SERVER_EDITS.map((e) => e.file));
    assert.deepEqual([...files].sort(), [
      'service/frontend/fx.go',
      'service/history/fx.go',
      'service/matching/fx.go',
    ]);
    for (const file of files) {
      const edited = applyServerEdits(file, fs.readFileSync(path.join(dir, file), 'utf8'));
      assert.match(edited, /grpc\.NumStreamWorkers\(16\)/, file);
    }
    assert.throws(
      () => applyServerEdits('service/history/fx.go', 'package history\n'),
      /the Temporal server's service\/history\/fx\.go does not hold exactly one copy of the text the stream workers edits/,
    );
  },
);

void test('the CLI the suite runs, when this project built it, links the SQLite driver of the build module', (t) => {
  assert.ok(realCli, 'run via npm test');
  // Only the cache entry is this project's build; a CLI from TEMPORAL_CLI, PATH or the SDK's
  // download is someone else's, and not this test's business.
  if (path.resolve(realCli) !== cachedCliPath()) return t.skip(`${realCli} is not this project's build`);
  if (!goAvailable) return t.skip('needs `go version -m` to read the binary');
  const info = spawnSync('go', ['version', '-m', realCli], { encoding: 'utf8' }).stdout;
  assert.match(info, new RegExp(`^\\s+dep\\s+modernc\\.org/sqlite\\s+v${SQLITE_DRIVER_VERSION}\\s`, 'm'));
  // ... replaced by the copy with the statement cache (src/temporal/sqliteStatementCache.ts).
  assert.match(info, /^\s+dep\s+modernc\.org\/sqlite\s.*\n\s+=>\s+\S+[\\/]sqlite\s+\(devel\)/m);
  // ... and the CLI's own module by the copy with the metrics switch (src/temporal/cliMetricsSwitch.ts).
  assert.match(
    info,
    new RegExp(
      `^\\s+mod\\s+github\\.com/temporalio/cli\\s+v${TEMPORAL_CLI_VERSION}\\s*\\n\\s+=>\\s+\\S+[\\\\/]cli\\s+\\(devel\\)`,
      'm',
    ),
  );
  // ... and the server's by the copy with the gRPC stream workers (src/temporal/serverStreamWorkers.ts).
  assert.match(info, /^\s+dep\s+go\.temporal\.io\/server\s+v\S+\s*\n\s+=>\s+\S+[\\/]server\s+\(devel\)/m);
});

void test('TEMPORAL_CLI wins, and a broken TEMPORAL_CLI is an error rather than a silent fallback', async () => {
  assert.ok(realCli, 'run via npm test');
  const found = await provisionTemporalCli({ env: { TEMPORAL_CLI: realCli, PATH: '' }, log: quiet });
  assert.equal(found.source, 'TEMPORAL_CLI');
  assert.match(found.version, /^temporal version \S+ \(Server \d/);
  const dir = tmp();
  const fake = path.join(dir, 'temporal');
  fs.writeFileSync(fake, '#!/bin/sh\necho nope\n', { mode: 0o755 });
  await assert.rejects(
    provisionTemporalCli({ env: { TEMPORAL_CLI: fake, PATH: '' }, log: quiet }),
    (e: unknown) => e instanceof UserError && /TEMPORAL_CLI=.* is not a working temporal CLI/.test(e.message),
  );
});

void test('PATH comes before the cache, and the cache before building', async () => {
  assert.ok(realCli);
  const bin = tmp();
  fs.symlinkSync(realCli, path.join(bin, 'temporal'));
  const cache = tmp();
  const viaPath = await provisionTemporalCli({ env: { PATH: bin, JOSH_CACHE_DIR: cache }, log: quiet });
  assert.equal(viaPath.source, 'PATH');

  const cached = cachedCliPath({ JOSH_CACHE_DIR: cache });
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.symlinkSync(realCli, cached);
  const viaCache = await provisionTemporalCli({ env: { PATH: tmp(), JOSH_CACHE_DIR: cache }, log: quiet });
  assert.equal(viaCache.source, 'cache');
  assert.equal(viaCache.path, cached);
});

void test('with nothing found and building not allowed, the error says what was tried and what to do', async () => {
  const cache = tmp();
  await assert.rejects(
    provisionTemporalCli({ env: { PATH: tmp(), JOSH_CACHE_DIR: cache }, findOnly: true, log: quiet }),
    (e: unknown) =>
      e instanceof UserError &&
      /no temporal CLI found; run `npm run provision`/.test(e.message) &&
      e.message.includes(cache),
  );
});

void test('without Go and without internet every route fails with a message naming each one', async () => {
  // PATH without go: the build step fails at once; the SDK download needs the network, which
  // these machines lack (on a machine with internet this would succeed instead, so skip there).
  const cache = tmp();
  const lines: string[] = [];
  try {
    const got = await provisionTemporalCli({
      env: { PATH: tmp(), JOSH_CACHE_DIR: cache },
      log: (l) => lines.push(l),
    });
    assert.equal(got.source, 'sdk-download', 'only the download can have succeeded');
  } catch (e) {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /go install: `go` is not on PATH/);
    assert.match(e.message, /SDK download: /);
    assert.match(e.message, /install Go/);
  }
});

void test(
  'go install builds the pinned CLI into an empty cache (JOSH_TEST_GO_BUILD=1; minutes)',
  {
    skip: process.env.JOSH_TEST_GO_BUILD !== '1' && 'set JOSH_TEST_GO_BUILD=1 to run the real Go build',
    timeout: 30 * 60_000,
  },
  async () => {
    // Keep only PATH entries without a temporal binary, so the build is what gets exercised.
    const PATH = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => !fs.existsSync(path.join(d, 'temporal')))
      .join(path.delimiter);
    const cache = tmp();
    const got = await provisionTemporalCli({
      // A GOFLAGS -mod of the user's must not decide how the build module resolves.
      env: { ...process.env, PATH, JOSH_CACHE_DIR: cache, TEMPORAL_CLI: '', GOFLAGS: '-mod=vendor' },
      log: (l) => process.stderr.write(`${l}\n`),
    });
    assert.equal(got.source, 'go-install');
    assert.equal(got.version.split(' ')[2], TEMPORAL_CLI_VERSION);
    const info = spawnSync('go', ['version', '-m', got.path], { encoding: 'utf8' }).stdout;
    assert.match(info, new RegExp(`modernc\\.org/sqlite\\s+v${SQLITE_DRIVER_VERSION}[^\\n]*\\n\\s+=>\\s`));
    fs.rmSync(cache, { recursive: true, force: true });
  },
);

void test("a new build removes the cache's other builds of its kind, and nothing else", () => {
  const root = tmp();
  const make = (name: string) => {
    fs.mkdirSync(path.join(root, name, 'schema'), { recursive: true });
    fs.writeFileSync(path.join(root, name, 'temporal'), 'binary');
  };
  [
    'temporal-cli-v1.4.0',
    'temporal-cli-v1.5.1',
    'temporal-cli-v1.5.1-sqlite-x',
    'temporal-server-v1.28.0',
  ].forEach(make);
  fs.mkdirSync(path.join(root, 'workflow-bundles'));
  fs.mkdirSync(path.join(root, '.build-abc')); // another process's build in progress
  const lines: string[] = [];
  pruneOtherBuilds(path.join(root, 'temporal-cli-v1.5.1-sqlite-x'), 'temporal-cli-v', (l) => lines.push(l));
  assert.deepEqual(fs.readdirSync(root).sort(), [
    '.build-abc',
    'temporal-cli-v1.5.1-sqlite-x',
    'temporal-server-v1.28.0',
    'workflow-bundles',
  ]);
  assert.equal(lines.length, 2, lines.join('\n'));
  const said = [...lines].sort();
  assert.match(said[0], /removed an older build from the cache: .*temporal-cli-v1\.4\.0$/);
  assert.match(said[1], /removed an older build from the cache: .*temporal-cli-v1\.5\.1$/);
  // A cache root that is gone is nothing to prune, not an error.
  pruneOtherBuilds(path.join(root, 'gone', 'temporal-cli-v9'), 'temporal-cli-v', (l) => lines.push(l));
  assert.equal(lines.length, 2);
});
