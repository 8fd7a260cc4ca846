// Secrets stay where they belong. A harvest runs with an OpenAI API key and a Temporal API key in
// the environment of the worker and of the CLI that starts it; the model (a recording proxy in
// front of the simulated model) must receive the OpenAI key as `Authorization: Bearer ...` on
// every call, proving it was used; and then neither key may appear anywhere the run leaves
// behind: any workflow history or description (`temporal workflow show/describe --output json`,
// payloads decoded), the worker's and the CLI's logs at debug level, the run directory or its
// report. The same holds for a key the model rejects, whose 401 echoes it masked the way OpenAI
// does ("Incorrect API key provided: sk-abc1****wxyz"): neither the key nor its masked form
// may get further than src/llm. Unit tests cover the scrubbing and URL redaction themselves.
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
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import { maskKey } from '../src/simmodel/server';
import { chatCompletion } from '../src/llm/client';
import { llmEndpointFromEnv, redactUrl, scrubSecrets } from '../src/llm/endpoint';
import { createLogger } from '../src/util/logger';
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

/** The secrets of one run: an OpenAI key (accepted by the model or not) and a Temporal key. */
function newSecrets() {
  const openaiKey = `sk-josh-test-${randomBytes(12).toString('hex')}`;
  const temporalKey = `tmprl-josh-test-${randomBytes(12).toString('hex')}`;
  return { openaiKey, temporalKey };
}

interface HarvestedRun {
  tmp: string;
  id: string;
  runDir: string;
  cliCode: number | null;
  cliOut: string;
  /** Every workflow of the run, `show` and `describe`, payloads decoded. */
  dumps: string;
  workflows: number;
  /** The log files and every file of the run directory (report included). */
  places: string[];
}

/**
 * A 2-task harvest through a real `josh worker` process and the `josh harvest` CLI, both with the
 * keys in their environment and logging at debug (the OpenAI SDK too), against `modelUrl`; then
 * `josh report` on its run directory. Collects everything the run leaves behind.
 */
async function harvestWithKeys(
  modelUrl: string,
  keys: { openaiKey: string; temporalKey: string },
  userSim: 'goal' | 'script',
): Promise<HarvestedRun> {
  const dataDir = resolveDataDir();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-secrets-'));
  const secrets = {
    OPENAI_API_KEY: keys.openaiKey,
    TEMPORAL_API_KEY: keys.temporalKey,
    TEMPORAL_TLS: 'false',
  };
  const taskQueue = uniqueTaskQueue('secrets');
  const id = `secrets-${Date.now()}`;
  const runDir = path.join(tmp, 'runs', id);
  const logs = path.join(tmp, 'logs');
  fs.mkdirSync(logs);
  // The worker logs everything it has (debug), to a file...
  const worker = spawnWorker({
    address: testAddress(),
    taskQueue,
    modelUrl,
    runsDir: path.join(tmp, 'runs'),
    dataDir,
    logFile: path.join(logs, 'worker.log'),
    // ...and so does the OpenAI SDK (request logging included).
    env: { ...secrets, JOSH_LOG_LEVEL: 'debug', OPENAI_LOG: 'debug' },
  });
  const cliEnv = {
    ...process.env,
    ...secrets,
    OPENAI_BASE_URL: modelUrl,
    JOSH_LOG_LEVEL: 'debug',
    JOSH_DATA_DIR: dataDir,
  };
  const josh = async (args: string[], log: string): Promise<{ code: number | null; out: string }> => {
    const cli = spawn(process.execPath, [JOSH, ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    fs.writeFileSync(path.join(logs, log), out);
    return { code, out };
  };
  try {
    await worker.ready;
    // The CLI starts the harvest and watches it, with the same secrets in its environment.
    const harvest = await josh(
      [
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
        userSim,
        '--out',
        runDir,
      ],
      'cli.log',
    );
    if (fs.existsSync(path.join(runDir, 'conversations'))) {
      const report = await josh(['report', runDir], 'report.log');
      assert.equal(report.code, 0, report.out);
    }

    // Every workflow of the run, as the temporal CLI shows it.
    const client = await testClient();
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `JoshHarvestId="${id}"` })) ids.push(wf.workflowId);
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
    await killHard(worker);
    const places = [...filesUnder(logs), ...(fs.existsSync(runDir) ? filesUnder(runDir) : [])];
    return {
      tmp,
      id,
      runDir,
      cliCode: harvest.code,
      cliOut: harvest.out,
      dumps: dumps.join('\n'),
      workflows: ids.length,
      places,
    };
  } finally {
    await killHard(worker);
  }
}

/** Neither key, nor a recognisable piece of it, nor the OpenAI key masked, is in any file. */
function assertNoKeyIn(run: HarvestedRun, keys: { openaiKey: string; temporalKey: string }): void {
  for (const file of run.places) {
    const text = fs.readFileSync(file, 'utf8');
    const where = path.relative(run.tmp, file);
    for (const [name, key] of [
      ['OPENAI_API_KEY', keys.openaiKey],
      ['TEMPORAL_API_KEY', keys.temporalKey],
    ]) {
      assert.ok(!text.includes(key), `${name} found in ${where}`);
      // Not even a recognisable piece of it.
      assert.ok(!text.includes(key.slice(-12)), `part of ${name} found in ${where}`);
      assert.ok(!text.includes(maskKey(key)), `${name} masked found in ${where}`);
      // Nor its first characters and last four around a mask, in any masking.
      const masked = new RegExp(`${key.slice(0, 4)}[\\w-]*(\\*|…|\\.\\.\\.)[\\w*….-]*${key.slice(-4)}`);
      assert.doesNotMatch(text, masked, `${name} masked found in ${where}`);
    }
  }
}

test('API keys reach the model but no history, log or run file', async (t) => {
  const keys = newSecrets();
  const sim = await createSimModelServer({ port: 0, dataDir: resolveDataDir() });
  const proxy = await recordingProxy(sim.url);
  try {
    const run = await harvestWithKeys(`${proxy.url}/v1`, keys, 'goal');
    assert.equal(run.cliCode, 0, run.cliOut);
    assert.match(run.cliOut, /conversations\s+2\/2/);

    // The key was used: every model call carried it.
    assert.ok(proxy.authorizations.length > 0);
    assert.ok(
      proxy.authorizations.every((a) => a === `Bearer ${keys.openaiKey}`),
      `Authorization headers seen: ${[...new Set(proxy.authorizations)].join(', ')}`,
    );
    assert.ok(run.workflows > 4, `${run.workflows} workflows`);
    // The dump is real: it holds the conversations (decoded payloads) and the run's config.
    assert.match(run.dumps, /"beamSize":\s*2/);
    assert.ok(run.dumps.includes('book_') || run.dumps.includes('search_'));
    assert.ok(fs.existsSync(path.join(run.runDir, 'report.html')), 'the report was written');
    t.diagnostic(
      `${proxy.authorizations.length} model calls carried the key; searched ${run.workflows} workflows ` +
        `(show + describe), ${run.places.length} log and run files`,
    );
    assertNoKeyIn(run, keys);
  } finally {
    await proxy.close();
    await sim.close();
  }
});

test('a key the model rejects (its 401 echoes it masked) reaches no history, result, log or report', async (t) => {
  const keys = newSecrets();
  // The model accepts another key only: every call with ours is refused as OpenAI refuses it.
  const sim: SimModelServer = await createSimModelServer({
    port: 0,
    dataDir: resolveDataDir(),
    apiKeys: [`sk-josh-other-${randomBytes(8).toString('hex')}`],
  });
  try {
    const run = await harvestWithKeys(`${sim.url}/v1`, keys, 'script');
    t.diagnostic(`harvest exit ${run.cliCode}; ${run.workflows} workflows, ${run.places.length} files`);
    // The model was asked, with our key, and refused it.
    assert.ok(sim.stats().badRequests > 0, 'the model refused the key');
    assert.equal(sim.stats().completions, 0);
    assertNoKeyIn(run, keys);
    // The refusal got somewhere a user sees it (a turn's error in the histories and result files,
    // or the CLI's own message), as an HTTP 401, with the key scrubbed.
    const seen = [run.dumps, run.cliOut, ...run.places.map((f) => fs.readFileSync(f, 'utf8'))].join('\n');
    assert.match(seen, /HTTP 401 invalid_api_key: .*Incorrect API key provided: \[redacted\]/);
    if (fs.existsSync(path.join(run.runDir, 'conversations'))) {
      const results = filesUnder(path.join(run.runDir, 'conversations')).map((f) =>
        fs.readFileSync(f, 'utf8'),
      );
      assert.ok(
        results.some((r) => /HTTP 401/.test(r)),
        'the turn errors are in the result files',
      );
      assert.ok(fs.existsSync(path.join(run.runDir, 'report.html')), 'the report was written');
    }
  } finally {
    await sim.close();
  }
});

test('src/llm scrubs a rejected key from the failure it throws, message and stack', async () => {
  const key = `sk-proj-${randomBytes(16).toString('hex')}WXYZ`;
  const sim = await createSimModelServer({
    port: 0,
    dataDir: resolveDataDir(),
    apiKeys: ['sk-other-key-0000'],
  });
  try {
    const err = await chatCompletion(
      { baseURL: `${sim.url}/v1`, apiKey: key, timeoutMs: 10_000, simulated: false },
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 },
      'agent model m',
    ).then(
      () => assert.fail('the key was accepted'),
      (e: unknown) => e as Error & { type?: string; nonRetryable?: boolean },
    );
    assert.match(
      err.message,
      /^agent model m: HTTP 401 invalid_api_key: Incorrect API key provided: \[redacted\]/,
    );
    assert.equal(err.nonRetryable, true);
    for (const text of [err.message, String(err.stack)]) {
      assert.ok(!text.includes(key), 'the key');
      assert.ok(!text.includes(maskKey(key)), 'the key masked');
      assert.ok(!text.includes('WXYZ'), 'its last four characters');
    }
  } finally {
    await sim.close();
  }
});

test('scrubSecrets replaces keys, masked keys, bearer tokens and key parameters by a marker', () => {
  const key = 'gsk_live_7f3a9c0d1e2b4a5968776655wxyz';
  const cases: [string, RegExp][] = [
    ['Incorrect API key provided: sk-abc***...wxyz. You can find', /provided: \[redacted\]\. You can find/],
    ['Incorrect API key provided: sk-proj-**************************wxyz.', /provided: \[redacted\]\.$/],
    ['key sk-abc…wxyz is invalid', /^key \[redacted\] is invalid$/],
    ['key sk-live-0123456789abcdefghij is invalid', /^key \[redacted\] is invalid$/],
    ['Authorization: Bearer abc.def-ghi_jkl', /^Authorization: Bearer \[redacted\]$/],
    ['GET /v1/models?api_key=abcdef123&x=1 failed', /\?api_key=\[redacted\]&x=1 failed$/],
    ['{"api_key": "abcdef123", "n": 1}', /^\{"api_key": "\[redacted\]", "n": 1\}$/],
    ['at https://bob:hunter2@llm.example.com/v1', /^at https:\/\/\[redacted\]@llm\.example\.com\/v1$/],
    // The configured key, whatever its shape, and it masked by its first and last characters.
    [`bad key ${key}!`, /^bad key \[redacted\]!$/],
    [`bad key gsk_li*****************wxyz!`, /^bad key \[redacted\]!$/],
  ];
  for (const [input, want] of cases) {
    const out = scrubSecrets(input, [key]);
    assert.match(out, want, `${input} → ${out}`);
  }
  // Ordinary words stay as they are.
  const plain = 'The engine is overloaded... please try again later (HTTP 503). Rate limit: 10 req/s.';
  assert.equal(scrubSecrets(plain, [key]), plain);
});

test('redactUrl shows an endpoint without the credentials in it', () => {
  assert.equal(redactUrl('https://user:pass@llm.example.com/v1'), 'https://llm.example.com/v1');
  assert.equal(
    redactUrl('https://llm.example.com/v1?api_key=sk-123&region=eu'),
    'https://llm.example.com/v1?api_key=[redacted]&region=eu',
  );
  assert.equal(redactUrl('http://127.0.0.1:8787/v1'), 'http://127.0.0.1:8787/v1');
  // Not a URL: shown scrubbed, never thrown on.
  assert.equal(redactUrl('not a url sk-abcdefghijklmnop'), 'not a url [redacted]');
});

test('the logger scrubs secret-looking text in messages and fields, not only secret-named fields', () => {
  const lines: string[] = [];
  const logger = createLogger({
    env: { JOSH_LOG_LEVEL: 'debug' },
    destination: { write: (s: string) => void lines.push(s) },
  });
  logger.error(
    {
      error: 'HTTP 401: Incorrect API key provided: sk-abc1**********wxyz.',
      url: 'https://u:p@h.example/v1',
    },
    'model call failed with Authorization: Bearer abcdefghijklmnop',
  );
  logger.warn('endpoint https://llm.example/v1?api_key=sk-live-0123456789abcdef');
  logger.info({ apiKey: 'sk-live-0123456789abcdef' }, 'config');
  logger.error(new Error('refused: sk-live-0123456789abcdef'), 'an error, logged as one');
  const out = lines.join('');
  assert.match(lines[3], /"err":\{"type":"Error","message":"refused: \[redacted\]"/);
  for (const secret of ['sk-abc1***', 'wxyz', 'u:p@', 'abcdefghijklmnop', '0123456789abcdef']) {
    assert.ok(!out.includes(secret), `${secret} in ${out}`);
  }
  assert.match(out, /Incorrect API key provided: \[redacted\]/);
  assert.match(out, /Bearer \[redacted\]/);
  assert.equal(lines.length, 4);
});

test('OPENAI_BASE_URL with credentials in it is refused in one line that does not echo them', () => {
  // Node's fetch refuses such a URL: every model call would fail as "connection failed", retried
  // with no reason given.
  assert.throws(
    () => llmEndpointFromEnv({ OPENAI_BASE_URL: 'https://alice:s3cr3t-pw@models.example/v1' }),
    (err: Error) => {
      assert.match(err.message, /^environment: OPENAI_BASE_URL: must not hold a user name or password/);
      assert.doesNotMatch(err.message, /alice|s3cr3t/);
      return true;
    },
  );
  assert.equal(
    llmEndpointFromEnv({ OPENAI_BASE_URL: 'https://models.example/v1' }).baseURL,
    'https://models.example/v1',
  );
});
