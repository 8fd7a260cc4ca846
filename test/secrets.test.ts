// Secrets stay where they belong. A harvest runs with an OpenAI API key and a Temporal API key in
// the environment of the worker and of the CLI that starts it; the model (a recording proxy in
// front of the simulated model) must receive the OpenAI key as `Authorization: Bearer ...` on
// every call, proving it was used; and then neither key may appear anywhere the run leaves
// behind: any workflow history or description (`temporal workflow show/describe --output json`,
// payloads decoded), the worker's and the CLI's logs at debug level, or the run directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer } from '../src/simmodel';
import { JOSH, killHard, spawnWorker, temporalCliPath } from './helpers/chaos';
import { testAddress, testClient, testNamespace, uniqueTaskQueue } from './helpers/temporal';

/** Forwards to the simulated model, recording the Authorization header of every request. */
async function recordingProxy(upstream: string) {
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      authorizations.push(String(req.headers.authorization ?? ''));
      void fetch(`${upstream}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json' },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every string a JSON document holds, with base64 payload data decoded (where it decodes). */
function withDecodedPayloads(json: string): string {
  const out: string[] = [json];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === 'string' && (k === 'data' || /^[A-Za-z0-9+/=]{16,}$/.test(x))) {
          out.push(Buffer.from(x, 'base64').toString('utf8'));
        }
        walk(x);
      }
    }
  };
  walk(JSON.parse(json));
  return out.join('\n');
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).flatMap((e) => {
    const p = path.join(e.parentPath, e.name);
    return e.isFile() ? [p] : [];
  });
}

test('API keys reach the model but no history, log or run file', async (t) => {
  const dataDir = resolveDataDir();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-secrets-'));
  const openaiKey = `sk-josh-test-${randomBytes(12).toString('hex')}`;
  const temporalKey = `tmprl-josh-test-${randomBytes(12).toString('hex')}`;
  const secrets = { OPENAI_API_KEY: openaiKey, TEMPORAL_API_KEY: temporalKey, TEMPORAL_TLS: 'false' };
  const sim = await createSimModelServer({ port: 0, dataDir });
  const proxy = await recordingProxy(sim.url);
  const taskQueue = uniqueTaskQueue('secrets');
  const id = `secrets-${Date.now()}`;
  const runDir = path.join(tmp, 'runs', id);
  const logs = path.join(tmp, 'logs');
  fs.mkdirSync(logs);
  // The worker logs everything it has (debug), to a file...
  const worker = spawnWorker({
    address: testAddress(),
    taskQueue,
    modelUrl: `${proxy.url}/v1`,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(logs, 'worker.log'),
    // ...and so does the OpenAI SDK (request logging included).
    env: { ...secrets, JOSH_LOG_LEVEL: 'debug', OPENAI_LOG: 'debug' },
  });
  try {
    await worker.ready;
    // The CLI starts the harvest and watches it, with the same secrets in its environment.
    const cli = spawn(
      process.execPath,
      [
        JOSH,
        'harvest',
        '--address',
        testAddress(),
        '--task-queue',
        taskQueue,
        '--id',
        id,
        '--split',
        'val',
        '--limit',
        '2',
        '--beam',
        '2',
        '--max-steps',
        '3',
        '--user-sim',
        'goal',
        '--out',
        runDir,
      ],
      {
        env: {
          ...process.env,
          ...secrets,
          OPENAI_BASE_URL: `${proxy.url}/v1`,
          JOSH_LOG_LEVEL: 'debug',
          JOSH_DATA_DIR: dataDir,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let cliOut = '';
    cli.stdout.on('data', (d: Buffer) => (cliOut += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (cliOut += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    fs.writeFileSync(path.join(logs, 'cli.log'), cliOut);
    assert.equal(code, 0, cliOut);
    assert.match(cliOut, /conversations\s+2\/2/);

    // The key was used: every model call carried it.
    assert.ok(proxy.authorizations.length > 0);
    assert.ok(
      proxy.authorizations.every((a) => a === `Bearer ${openaiKey}`),
      `Authorization headers seen: ${[...new Set(proxy.authorizations)].join(', ')}`,
    );

    // Every workflow of the run, as the temporal CLI shows it.
    const client = await testClient();
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `JoshHarvestId="${id}"` })) ids.push(wf.workflowId);
    assert.ok(ids.includes(id) && ids.length > 4, `${ids.length} workflows`);
    const cliPath = await temporalCliPath();
    const dumps: string[] = [];
    for (const wid of ids) {
      for (const cmd of ['show', 'describe']) {
        const { stdout } = await promisify(execFile)(
          cliPath,
          [
            'workflow',
            cmd,
            '--address',
            testAddress(),
            '--namespace',
            testNamespace(),
            '-w',
            wid,
            '--output',
            'json',
          ],
          { maxBuffer: 64 * 1024 * 1024 },
        );
        dumps.push(withDecodedPayloads(stdout));
      }
    }
    fs.writeFileSync(path.join(logs, 'histories.txt'), dumps.join('\n'));
    // The dump is real: it holds the conversations (decoded payloads) and the run's config.
    assert.match(dumps.join('\n'), /"beamSize":\s*2/);
    assert.ok(dumps.join('\n').includes('book_') || dumps.join('\n').includes('search_'));

    await killHard(worker);
    const places = [...filesUnder(logs), ...filesUnder(runDir)];
    t.diagnostic(
      `${proxy.authorizations.length} model calls carried the key; searched ${ids.length} workflows ` +
        `(show + describe), ${places.length} log and run files`,
    );
    for (const file of places) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [name, key] of [
        ['OPENAI_API_KEY', openaiKey],
        ['TEMPORAL_API_KEY', temporalKey],
      ]) {
        assert.ok(!text.includes(key), `${name} found in ${path.relative(tmp, file)}`);
        // Not even a recognisable piece of it.
        assert.ok(!text.includes(key.slice(-12)), `part of ${name} found in ${path.relative(tmp, file)}`);
      }
    }
  } finally {
    await killHard(worker);
    await proxy.close();
    await sim.close();
  }
});
