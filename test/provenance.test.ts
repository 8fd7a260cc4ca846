// Provenance (issue 12, item 3): a run records what shapes its data — the prompts (text and
// content hash), the dataset version, the product version, the model names and the endpoint's
// host name, never a secret — a restart or a second worker with other prompts is refused instead
// of mixing prompts in one run, and an export builds its system prompts from what the run recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { parse as parseYaml } from 'yaml';
import { createActivities, type ActivityDeps } from '../src/activities';
import { RunConfig } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { DEFAULT_PROMPTS, type ToolwozPrompts } from '../src/env/toolwoz/prompts';
import { exportRun } from '../src/export';
import { createSimModelServer } from '../src/simmodel';
import { createLogger } from '../src/util/logger';
import { UserError } from '../src/util/errors';
import { readJsonl, successful, writeRun } from './fixtures/exportResults';
import { JOSH, killHard, spawnWorker, startHarvest } from './helpers/chaos';
import { testAddress, testClient, uniqueTaskQueue } from './helpers/temporal';

const DATA_DIR = resolveDataDir();
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

// Secrets a worker holds that must never reach a run directory.
const API_KEY = 'sk-test-PROVENANCE-SECRET-0123';
const URL_USER = 'joshurluser';
const URL_PASSWORD = 'hunter2urlpass';
const SECRET_URL = `https://${URL_USER}:${URL_PASSWORD}@models.example.test:8443/v1?api-key=QUERYSECRET`;
const SECRETS = [API_KEY, URL_USER, URL_PASSWORD, 'QUERYSECRET', 'SECRET'];

const tmp = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** A prompts file whose agent prompt says which file it is. */
function promptsFile(name: string, agent: string, extra = ''): string {
  const file = path.join(tmp('josh-prov-prompts-'), name);
  fs.writeFileSync(file, `${extra}agentFunctionCalling: |-\n  ${agent}\n  Use the tools you are given.\n`);
  return file;
}

/** The effective prompts' hash as the brief defines it: sha256 of [key, text] pairs in our order. */
function expectedHash(prompts: ToolwozPrompts): string {
  const keys = Object.keys(DEFAULT_PROMPTS) as (keyof ToolwozPrompts)[];
  return createHash('sha256')
    .update(JSON.stringify(keys.map((k) => [k, prompts[k]])))
    .digest('hex');
}

function worker(opts: { runsRoot: string; promptsFile?: string; baseURL?: string; dataDir?: string }) {
  const deps: ActivityDeps = {
    dataDir: opts.dataDir ?? DATA_DIR,
    runsRoot: opts.runsRoot,
    logger: createLogger({ env: { JOSH_LOG_LEVEL: 'silent', JOSH_LOG_FORMAT: 'json' } }),
    llm: {
      baseURL: opts.baseURL ?? SECRET_URL,
      apiKey: API_KEY,
      timeoutMs: 2_000,
      simulated: false,
      // A models file routes the user model elsewhere: provenance records each role's host.
      models: {
        'gpt-user-y': {
          name: 'gpt-user-y',
          baseURL: `https://user:${API_KEY}@user-models.example.test:9000/v1?api_key=${API_KEY}`,
          apiKey: API_KEY,
          upstreamModel: 'gpt-user-y',
          extra: {},
        },
      },
    },
    promptsFile: opts.promptsFile,
  };
  return createActivities(deps);
}

function config(id: string) {
  return RunConfig.parse({ id, agentModel: 'gpt-agent-x', userModel: 'gpt-user-y', limit: 2 });
}

/** Every file under `dir`, as [relative path, text]. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push([path.relative(dir, file), fs.readFileSync(file, 'latin1')]);
  }
  return out;
}

function assertNoSecrets(dir: string): void {
  const files = filesUnder(dir);
  assert.ok(files.length > 0, `no files under ${dir}`);
  for (const [name, text] of files) {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${name} contains "${secret}"`);
  }
}

async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to refuse');
}

const short = (hash: string): string => hash.slice(0, 12);

void test('recordProvenance writes provenance.json and the prompts text, with the right hash and no secret', async () => {
  const runsRoot = tmp('josh-prov-runs-');
  const fileA = promptsFile('a.yaml', 'You are agent A of the provenance test.', '# prompts of worker A\n');
  const acts = worker({ runsRoot, promptsFile: fileA });
  const id = 'prov-record';
  const { promptsHash } = await acts.main.recordProvenance({ runId: id, config: config(id) });

  const promptsA = {
    ...DEFAULT_PROMPTS,
    agentFunctionCalling: 'You are agent A of the provenance test.\nUse the tools you are given.',
  };
  assert.equal(promptsHash, expectedHash(promptsA));
  assert.notEqual(promptsHash, expectedHash(DEFAULT_PROMPTS));

  const runDir = path.join(runsRoot, id);
  const prov = JSON.parse(fs.readFileSync(path.join(runDir, 'provenance.json'), 'utf8'));
  assert.equal(prov.prompts.hash, promptsHash);
  assert.equal(prov.prompts.source, fileA);
  // The exact text of the worker's file, comment and all.
  assert.equal(fs.readFileSync(path.join(runDir, prov.prompts.file), 'utf8'), fs.readFileSync(fileA, 'utf8'));
  assert.match(prov.dataset.version, /^[0-9a-f]{64}$/);
  const datasetFiles = (prov.dataset.files as { path: string; sha256: string }[]).map((f) => f.path);
  for (const f of ['toolwoz/db/hotel_db.json', 'toolwoz/data/tools.json', 'multiwoz/val.json']) {
    assert.ok(datasetFiles.includes(f), `dataset files ${datasetFiles.join(', ')} lack ${f}`);
  }
  const hotelDb = fs.readFileSync(path.join(DATA_DIR, 'toolwoz', 'db', 'hotel_db.json'));
  assert.equal(
    prov.dataset.files.find((f: { path: string }) => f.path === 'toolwoz/db/hotel_db.json').sha256,
    createHash('sha256').update(hotelDb).digest('hex'),
  );
  assert.equal(prov.product.version, VERSION);
  assert.deepEqual(prov.models, {
    agent: 'gpt-agent-x',
    user: 'gpt-user-y',
    endpointHost: 'models.example.test',
    endpointHosts: { agent: 'models.example.test', user: 'user-models.example.test' },
    simulated: false,
  });
  assertNoSecrets(runDir);

  // No prompts file: the built-ins, rendered as a prompts file that loads back as them.
  const builtIn = worker({ runsRoot });
  const id2 = 'prov-builtin';
  const out2 = await builtIn.main.recordProvenance({ runId: id2, config: config(id2) });
  assert.equal(out2.promptsHash, expectedHash(DEFAULT_PROMPTS));
  const prov2 = JSON.parse(fs.readFileSync(path.join(runsRoot, id2, 'provenance.json'), 'utf8'));
  assert.equal(prov2.prompts.source, null);
  assert.equal(prov2.dataset.version, prov.dataset.version);
  assert.deepEqual(parseYaml(fs.readFileSync(path.join(runsRoot, id2, prov2.prompts.file), 'utf8')), {
    ...DEFAULT_PROMPTS,
  });
});

void test('a restart with the same prompts leaves the record alone; other prompts are refused (BadRunInput)', async () => {
  const runsRoot = tmp('josh-prov-runs-');
  const fileA = promptsFile('a.yaml', 'You are agent A.');
  const id = 'prov-restart';
  const first = await worker({ runsRoot, promptsFile: fileA }).main.recordProvenance({
    runId: id,
    config: config(id),
  });
  const runDir = path.join(runsRoot, id);
  const before = filesUnder(runDir);
  const mtimes = before.map(([name]) => fs.statSync(path.join(runDir, name)).mtimeMs);

  // The same worker again (an activity retry, or a restart of the run): same answer, files untouched.
  const again = await worker({ runsRoot, promptsFile: fileA }).main.recordProvenance({
    runId: id,
    config: config(id),
  });
  assert.equal(again.promptsHash, first.promptsHash);
  // Another file with the same effective prompts (a comment, another name) is the same prompts.
  const sameA = promptsFile('same-as-a.yaml', 'You are agent A.', '# reformatted\n');
  const same = await worker({ runsRoot, promptsFile: sameA }).main.recordProvenance({
    runId: id,
    config: config(id),
  });
  assert.equal(same.promptsHash, first.promptsHash);
  assert.deepEqual(filesUnder(runDir), before);
  assert.deepEqual(
    before.map(([name]) => fs.statSync(path.join(runDir, name)).mtimeMs),
    mtimes,
  );

  // A worker with other prompts: refused, naming both hashes and both files; the record stays A's.
  const fileB = promptsFile('b.yaml', 'You are agent B.');
  const err = await refusal(
    worker({ runsRoot, promptsFile: fileB }).main.recordProvenance({ runId: id, config: config(id) }),
  );
  assert.equal(err.type, 'BadRunInput');
  assert.equal(err.nonRetryable, true);
  const hashB = expectedHash({
    ...DEFAULT_PROMPTS,
    agentFunctionCalling: 'You are agent B.\nUse the tools you are given.',
  });
  for (const part of [short(first.promptsHash), short(hashB), fileA, fileB]) {
    assert.ok(err.message.includes(part), `"${err.message}" does not name ${part}`);
  }
  assert.deepEqual(filesUnder(runDir), before);

  // The built-in prompts are other prompts too.
  const errBuiltIn = await refusal(
    worker({ runsRoot }).main.recordProvenance({ runId: id, config: config(id) }),
  );
  assert.equal(errBuiltIn.type, 'BadRunInput');
  assert.match(errBuiltIn.message, /built-in prompts/);
});

void test("LLM activities refuse a run whose prompts hash is not this worker's (PromptsMismatch)", async () => {
  const runsRoot = tmp('josh-prov-runs-');
  const fileA = promptsFile('a.yaml', 'You are agent A.');
  const fileB = promptsFile('b.yaml', 'You are agent B.');
  const id = 'prov-mismatch';
  // Nothing listens on port 9: a call that got as far as the model would fail in another way.
  const unreachable = 'http://127.0.0.1:9/v1';
  const a = worker({ runsRoot, promptsFile: fileA, baseURL: unreachable });
  const b = worker({ runsRoot, promptsFile: fileB, baseURL: unreachable });
  const { promptsHash: runHash } = await a.main.recordProvenance({ runId: id, config: config(id) });
  const hashB = expectedHash({
    ...DEFAULT_PROMPTS,
    agentFunctionCalling: 'You are agent B.\nUse the tools you are given.',
  });

  const agentErr = await refusal(
    b.llm.agentCall({
      env: 'toolwoz',
      strategy: 'function-calling',
      model: 'gpt-agent-x',
      temperature: 1,
      seed: 1,
      history: [{ role: 'user', content: 'I need a cheap hotel.' }],
      promptsHash: runHash,
    }),
  );
  assert.equal(agentErr.type, 'PromptsMismatch');
  assert.equal(agentErr.nonRetryable, true);
  for (const part of [short(hashB), fileB, short(runHash)]) {
    assert.ok(agentErr.message.includes(part), `"${agentErr.message}" does not name ${part}`);
  }

  const taskId = getEnvironment('toolwoz', DATA_DIR).listTasks('val')[0].id;
  const userTurn = {
    env: 'toolwoz',
    taskId,
    userSim: 'script' as const,
    model: 'gpt-user-y',
    conversation: [],
  };
  const userErr = await refusal(b.llm.userTurn({ ...userTurn, promptsHash: runHash }));
  assert.equal(userErr.type, 'PromptsMismatch');
  const scriptedErr = await refusal(b.main.scriptedUserTurn({ ...userTurn, promptsHash: runHash }));
  assert.equal(scriptedErr.type, 'PromptsMismatch');

  // The run's own prompts, or no hash at all (histories from before provenance), go ahead.
  assert.ok((await a.llm.userTurn({ ...userTurn, promptsHash: runHash })).text.length > 0);
  assert.ok((await b.llm.userTurn(userTurn)).text.length > 0);
});

void test('export builds system prompts from the prompts the run recorded, not the current ones', async () => {
  const runsRoot = tmp('josh-prov-runs-');
  const fileA = promptsFile('a.yaml', 'You are agent A, as recorded.');
  const id = 'prov-export';
  await worker({ runsRoot, promptsFile: fileA }).main.recordProvenance({ runId: id, config: config(id) });
  // A run directory with conversations (the export fixtures) and that record.
  const runDir = writeRun([successful]);
  for (const name of fs.readdirSync(path.join(runsRoot, id))) {
    fs.copyFileSync(path.join(runsRoot, id, name), path.join(runDir, name));
  }
  // The worker's prompts file has changed since (and the export's environment uses it).
  fs.writeFileSync(fileA, 'agentFunctionCalling: You are agent A, edited later.\n');
  const warnings: string[] = [];
  const out = path.join(tmp('josh-prov-out-'), 'sft.jsonl');
  exportRun(runDir, 'openai-sft', {
    environment: (name) =>
      getEnvironment(name, DATA_DIR, { promptsFile: promptsFile('c.yaml', 'You are agent C.') }),
    out,
    warn: (line) => warnings.push(line),
  });
  const records = readJsonl(out) as { messages: { role: string; content: string }[] }[];
  assert.ok(records.length > 0);
  for (const r of records) {
    assert.equal(r.messages[0].role, 'system');
    assert.equal(r.messages[0].content, 'You are agent A, as recorded.\nUse the tools you are given.');
  }
  assert.deepEqual(warnings, []);

  // `josh export` as a user runs it (its environment has the built-in prompts): the same.
  const cliOut = path.join(tmp('josh-prov-out-'), 'sft.jsonl');
  const r = spawnSync(process.execPath, [JOSH, 'export', runDir, '--format', 'openai-sft', '--out', cliOut], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(readJsonl(cliOut), records);

  // A recorded prompts file that no longer matches its recorded hash is refused in one line.
  fs.appendFileSync(path.join(runDir, 'prompts.yaml'), 'agentReact: tampered\n');
  const bad = spawnSync(
    process.execPath,
    [JOSH, 'export', runDir, '--format', 'openai-sft', '--out', cliOut],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /prompts\.yaml.*hash/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});

void test('a run directory from before provenance: the current prompts, with a one-line warning', () => {
  const runDir = writeRun([successful]);
  const out = path.join(tmp('josh-prov-out-'), 'sft.jsonl');
  const warnings: string[] = [];
  exportRun(runDir, 'openai-sft', {
    environment: (name) => getEnvironment(name, DATA_DIR),
    out,
    warn: (line) => warnings.push(line),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /provenance\.json/);
  assert.ok(!warnings[0].includes('\n'));
  const records = readJsonl(out) as { messages: { role: string; content: string }[] }[];
  assert.equal(records[0].messages[0].content, DEFAULT_PROMPTS.agentFunctionCalling);

  const r = spawnSync(process.execPath, [JOSH, 'export', runDir, '--format', 'openai-sft', '--out', out], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /warning: .*provenance\.json/);
});

void test('end to end: a harvest through a `josh worker` process records provenance; export after a prompts change uses it', async () => {
  const dir = tmp('josh-prov-e2e-');
  const runsDir = path.join(dir, 'runs');
  const promptsA = path.join(dir, 'prompts.yaml');
  const agentPrompt = `${DEFAULT_PROMPTS.agentFunctionCalling}\n(provenance e2e)`;
  const indented = agentPrompt
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  fs.writeFileSync(promptsA, `# worker A\nagentFunctionCalling: |-\n${indented}\n`);
  const sim = await createSimModelServer({ port: 0, dataDir: DATA_DIR });
  const taskQueue = uniqueTaskQueue('prov');
  const w = spawnWorker({
    address: testAddress(),
    taskQueue,
    modelUrl: `${sim.url}/v1`,
    runsDir,
    dataDir: DATA_DIR,
    logFile: path.join(dir, 'worker.log'),
    env: { OPENAI_API_KEY: API_KEY },
    args: ['--prompts', promptsA],
  });
  try {
    await w.ready;
    const client = await testClient();
    const id = `prov-e2e-${Date.now()}`;
    const { handle } = await startHarvest(
      client,
      // A fixed seed: the simulated model's answers, and so the examples written, are the same every time.
      { id, seed: 'provenance-e2e', limit: 3, beamSize: 4, maxSteps: 10, concurrency: 3 },
      taskQueue,
    );
    const progress = (await handle.result()) as { status: string; done: number };
    assert.equal(progress.status, 'done');
    assert.equal(progress.done, 3);
    const runDir = path.join(runsDir, id);
    const prov = JSON.parse(fs.readFileSync(path.join(runDir, 'provenance.json'), 'utf8'));
    const recorded = fs.readFileSync(path.join(runDir, prov.prompts.file), 'utf8');
    assert.equal(recorded, fs.readFileSync(promptsA, 'utf8'));
    assert.equal(prov.prompts.hash, expectedHash({ ...DEFAULT_PROMPTS, agentFunctionCalling: agentPrompt }));
    assert.equal(prov.models.endpointHost, '127.0.0.1');
    assertNoSecrets(runDir);
    assert.ok(!w.output().includes(API_KEY), 'the worker logged its API key');

    // The worker's prompts file changes after the run; the export still pairs the run's
    // completions with the prompt the agent saw.
    fs.writeFileSync(promptsA, 'agentFunctionCalling: A prompt nobody ran with.\n');
    // KTO with partial conversations: it uses every conversation's turns, whatever the rewards.
    const out = path.join(dir, 'kto.jsonl');
    const args = [JOSH, 'export', runDir, '--format', 'trl-kto', '--include-partial', '--out', out];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const records = readJsonl(out) as { prompt: { role: string; content: string }[] }[];
    assert.ok(records.length > 0, r.stdout);
    for (const rec of records) {
      assert.equal(rec.prompt[0].role, 'system');
      assert.equal(rec.prompt[0].content, agentPrompt);
    }
  } finally {
    await killHard(w);
    await sim.close();
  }
});

void test('a restart on a data directory of another dataset version is refused (BadRunInput)', async () => {
  const runsRoot = tmp('josh-prov-data-');
  const id = 'prov-dataset';
  await worker({ runsRoot }).main.recordProvenance({ runId: id, config: config(id) });
  // As if the run had been recorded on other data (a copy of it with an edited task, say).
  const file = path.join(runsRoot, id, 'provenance.json');
  const prov = JSON.parse(fs.readFileSync(file, 'utf8'));
  prov.dataset.version = 'f'.repeat(prov.dataset.version.length);
  fs.writeFileSync(file, JSON.stringify(prov, null, 2) + '\n');
  const err = await refusal(worker({ runsRoot }).main.recordProvenance({ runId: id, config: config(id) }));
  assert.equal(err.type, 'BadRunInput');
  assert.match(
    err.message,
    /recorded on dataset version f+ .*this worker's data directory .* is version [0-9a-f]+/,
  );
});

void test('josh harvest on a recorded run with other prompts is refused in one line, before a server or worker starts', async () => {
  const runsRoot = tmp('josh-prov-cli-');
  const id = 'prov-cli';
  await worker({ runsRoot }).main.recordProvenance({ runId: id, config: config(id) });
  const other = promptsFile('other.yaml', 'You are another agent.');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TEMPORAL_|OPENAI_)/.test(k)),
  );
  const runDir = path.join(runsRoot, id);
  const r = spawnSync(
    process.execPath,
    [JOSH, 'harvest', '--id', id, '--limit', '2', '--out', runDir, '--prompts', other],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr.trim(),
    new RegExp(
      `^josh: run ${id} was recorded with the built-in prompts \\(hash [0-9a-f]{12}\\); this invocation has --prompts .*other\\.yaml .*pass --prompts ${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/prompts\\.yaml`,
    ),
  );
  assert.ok(!fs.existsSync(path.join(runDir, '.temporal')), 'a server was started');

  // JOSH_PROMPTS_FILE is the in-process worker's prompts too, as it is `josh worker`'s (it was
  // ignored: the harvest ran on the built-in prompts).
  const viaEnv = spawnSync(process.execPath, [JOSH, 'harvest', '--id', id, '--limit', '2', '--out', runDir], {
    env: { ...env, JOSH_PROMPTS_FILE: other },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(viaEnv.status, 2, viaEnv.stderr);
  assert.match(viaEnv.stderr, /this invocation has JOSH_PROMPTS_FILE .*other\.yaml/);
});

void test('a data file the environment needs that is missing is bad input naming it, not a read retried forever', async () => {
  const { datasetVersion } = await import('../src/activities/provenance');
  const empty = tmp('josh-prov-nodata-');
  await assert.rejects(datasetVersion('tau-retail', empty), (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(
      err.message,
      new RegExp(
        `^${empty}/\\S+: cannot read a data file of the tau-retail environment \\(file not found\\)$`,
      ),
    );
    return true;
  });
});

void test('a worker whose data cannot serve the run refuses its start (BadRunInput naming the file), before any agent turn retries it', async () => {
  // A τ-bench retail data directory whose tool schemas are truncated: every file is there (the
  // dataset hashes), but no agent turn could build its request.
  const dataDir = tmp('josh-prov-baddata-');
  fs.cpSync(path.join(DATA_DIR, 'taubench', 'retail'), path.join(dataDir, 'taubench', 'retail'), {
    recursive: true,
  });
  const tools = path.join(dataDir, 'taubench', 'retail', 'tools.json');
  fs.writeFileSync(tools, fs.readFileSync(tools, 'utf8').slice(0, 100));
  const id = 'prov-baddata';
  const cfg = RunConfig.parse({
    id,
    env: 'tau-retail',
    split: 'dev',
    limit: 1,
    agentModel: 'a',
    userModel: 'u',
  });
  const err = await refusal(
    worker({ runsRoot: tmp('josh-prov-baddata-runs-'), dataDir }).main.recordProvenance({
      runId: id,
      config: cfg,
    }),
  );
  assert.equal(err.type, 'BadRunInput');
  assert.equal(err.nonRetryable, true);
  assert.match(err.message, /taubench\/retail\/tools\.json: not valid JSON/);
});
