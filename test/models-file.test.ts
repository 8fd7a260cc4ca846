// The models file (src/config/models.ts): endpoints and keys per model name. Its checks (one line
// naming the file, the entry, the field and what is expected), and a harvest through the product
// with the agent on one simulated model server and the user simulator on another, each with its
// own key: both servers' request logs show each role went only to its own endpoint with its key,
// and neither key reaches the workflow histories or the run's files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { createActivities } from '../src/activities';
import { RunConfig } from '../src/config/run';
import { loadModelsFile } from '../src/config/models';
import { resolveDataDir } from '../src/env/dataDir';
import { llmEndpointFromEnv, routeFor } from '../src/llm/endpoint';
import { llmQueueFor } from '../src/shared/taskQueues';
import type { HarvestProgress } from '../src/shared/harvestApi';
import { createSimModelServer, keyFingerprint } from '../src/simmodel';
import { createLogger } from '../src/util/logger';
import { createWorkers } from '../src/worker';
import { joshSync } from './helpers/cli';
import { testClient, testNamespace, testNativeConnection, uniqueTaskQueue } from './helpers/temporal';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-models-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = 'yaml'): string {
  const f = path.join(tmp, `models-${++n}.${ext}`);
  fs.writeFileSync(f, text);
  return f;
}

const ENV = { AGENT_KEY: 'sk-agent-0123456789abcdef', USER_KEY: 'sk-user-fedcba9876543210' };

void describe('loading a models file', () => {
  void test('a list under models:, a top-level list, a map, and JSON all load', () => {
    const list = loadModelsFile(
      file(`models:
  - name: agent
    base_url: http://127.0.0.1:9001/v1/
    api_key_env: AGENT_KEY
    model: Qwen/Qwen2.5-7B-Instruct
    prices: { input: 0.1, output: 0.2 }
    extra: { top_p: 0.9 }
    timeout_ms: 5000
  - name: user
    base_url: https://api.example.com/v1
`),
      ENV,
    );
    assert.deepEqual(list.models.agent, {
      name: 'agent',
      baseURL: 'http://127.0.0.1:9001/v1',
      apiKey: ENV.AGENT_KEY,
      apiKeyEnv: 'AGENT_KEY',
      upstreamModel: 'Qwen/Qwen2.5-7B-Instruct',
      prices: { input: 0.1, output: 0.2 },
      extra: { top_p: 0.9 },
      timeoutMs: 5000,
    });
    assert.equal(list.models.user.apiKey, 'not-needed');
    assert.equal(list.models.user.upstreamModel, 'user');
    const top = loadModelsFile(file('- name: a\n  base_url: http://h/v1\n'), ENV);
    assert.deepEqual(Object.keys(top.models), ['a']);
    const map = loadModelsFile(file('a:\n  base_url: http://h/v1\nb:\n  base_url: http://i/v1\n'), ENV);
    assert.deepEqual(Object.keys(map.models), ['a', 'b']);
    const json = loadModelsFile(
      file(JSON.stringify({ models: { a: { base_url: 'http://h/v1' } } }), 'json'),
      ENV,
    );
    assert.equal(json.models.a.baseURL, 'http://h/v1');
  });

  void test('every mistake is one line naming the file, the entry, the field and the expectation', () => {
    const cases: [string, RegExp][] = [
      ['a:\n  base_url: not a url\n', /entry "a": base_url: must be a URL/],
      ['a:\n  base_url: http://u:p@h/v1\n', /entry "a": base_url: must not hold a user name or password/],
      [
        'a:\n  base_url: http://h/v1\n  api_key: sk-secret\n',
        /entry "a": api_key: keys do not go in the models file/,
      ],
      [
        'a:\n  base_url: http://h/v1\n  api_key_env: NOT_SET_ANYWHERE\n',
        /entry "a": api_key_env: the environment variable NOT_SET_ANYWHERE is not set/,
      ],
      [
        'a:\n  base_url: http://h/v1\n  api_key_env: sk-123\n',
        /entry "a": api_key_env: must be the NAME of an environment variable/,
      ],
      [
        'a:\n  base_url: http://h/v1\n  prices: { input: -1, output: 1 }\n',
        /entry "a": prices\.input: must be 0 or more/,
      ],
      ['a:\n  base_url: http://h/v1\n  extra: { model: x }\n', /entry "a": extra: must not set model/],
      ['a:\n  base_url: http://h/v1\n  bogus: 1\n', /entry "a": \(entry\): .*bogus/],
      ['- base_url: http://h/v1\n', /entry 1: name: must be the model name/],
      [
        '- name: a\n  base_url: http://h/v1\n- name: a\n  base_url: http://h/v1\n',
        /entry "a": the name is given twice/,
      ],
      ['just text', /must be a list of models/],
      ['a: [1, 2\n', /not YAML or JSON/],
    ];
    for (const [text, want] of cases) {
      const f = file(text);
      assert.throws(
        () => loadModelsFile(f, ENV),
        (e: Error) => {
          assert.equal(e.message.split('\n').length, 1, e.message);
          assert.ok(e.message.startsWith(`models file ${f}: `), e.message);
          assert.match(e.message, want);
          assert.ok(!e.message.includes('sk-secret'), e.message);
          return true;
        },
      );
    }
    assert.throws(
      () => loadModelsFile(path.join(tmp, 'absent.yaml')),
      /models file .*absent\.yaml: no such file/,
    );
  });

  void test('the worker reads it from --models or JOSH_MODELS_FILE; a model not in it uses OPENAI_BASE_URL', () => {
    const f = file(
      'agent:\n  base_url: http://127.0.0.1:9001/v1\n  api_key_env: AGENT_KEY\n  extra: { top_p: 0.5 }\n',
    );
    const base = {
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
      OPENAI_API_KEY: 'sk-default-key-000000',
      ...ENV,
    };
    for (const cfg of [
      llmEndpointFromEnv(base, { modelsFile: f }),
      llmEndpointFromEnv({ ...base, JOSH_MODELS_FILE: f }),
    ]) {
      const agent = routeFor(cfg, 'agent');
      assert.equal(agent.endpoint.baseURL, 'http://127.0.0.1:9001/v1');
      assert.equal(agent.endpoint.apiKey, ENV.AGENT_KEY);
      assert.deepEqual(agent.extra, { top_p: 0.5 });
      const other = routeFor(cfg, 'gpt-4o');
      assert.equal(other.endpoint.baseURL, 'http://127.0.0.1:9999/v1');
      assert.equal(other.endpoint.apiKey, 'sk-default-key-000000');
      assert.equal(other.model, 'gpt-4o');
    }
    assert.equal(llmEndpointFromEnv(base).models, undefined);
  });
});

void describe('the CLI', () => {
  void test('josh worker --models with a bad file stops before connecting: one line, exit non-zero', () => {
    const f = file('my-agent:\n  base_url: http://127.0.0.1:1/v1\n  api_key_env: JOSH_TEST_UNSET_KEY_VAR\n');
    const r = joshSync('worker', '--models', f);
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      new RegExp(
        `models file ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: entry "my-agent": api_key_env: the environment variable JOSH_TEST_UNSET_KEY_VAR is not set`,
      ),
    );
  });
});

void describe('two roles on two endpoints', () => {
  void test('a harvest sends the agent only to its endpoint with its key, and the user only to its own', async () => {
    const dataDir = resolveDataDir();
    const agentSim = await createSimModelServer({ port: 0, dataDir, apiKeys: [ENV.AGENT_KEY] });
    const userSim = await createSimModelServer({ port: 0, dataDir, apiKeys: [ENV.USER_KEY] });
    // The default endpoint refuses every key: a call that is not routed by the file fails the run.
    const defaultSim = await createSimModelServer({
      port: 0,
      dataDir,
      apiKeys: ['sk-nobody-uses-this-0000'],
    });
    const runsRoot = fs.mkdtempSync(path.join(tmp, 'runs-'));
    try {
      const modelsFile = file(`models:
  - name: my-agent
    base_url: ${agentSim.url}/v1
    api_key_env: AGENT_KEY
    model: josh-sim-agent
  - name: my-user
    base_url: ${userSim.url}/v1
    api_key_env: USER_KEY
`);
      const llm = llmEndpointFromEnv(
        { OPENAI_BASE_URL: `${defaultSim.url}/v1`, OPENAI_API_KEY: 'sk-wrong-default-key-00', ...ENV },
        { modelsFile },
      );
      const taskQueue = uniqueTaskQueue('models');
      const logger = createLogger({ env: { JOSH_LOG_LEVEL: 'warn', JOSH_LOG_FORMAT: 'json' } });
      const workers = await createWorkers({
        connection: await testNativeConnection(),
        namespace: testNamespace(),
        workflowsPath: require.resolve('../src/workflows'),
        activities: createActivities({ dataDir, runsRoot, logger, llm }),
        taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
        shutdownGraceTime: '2s',
      });
      const client = await testClient();
      const id = `t-models-${Date.now()}`;
      const config = RunConfig.parse({
        id,
        split: 'val',
        limit: 2,
        beamSize: 2,
        maxSteps: 6,
        agentModel: 'my-agent',
        userModel: 'my-user',
      });
      const progress = (await workers.llm.runUntil(
        workers.main.runUntil(
          client.workflow.execute('harvestWorkflow', { workflowId: id, taskQueue, args: [config] }),
        ),
      )) as HarvestProgress;
      assert.equal(progress.done, 2, JSON.stringify(progress));

      const a = agentSim.stats();
      const u = userSim.stats();
      // Each server saw one model name, one role, one key: its own.
      assert.deepEqual(Object.keys(a.byModel), ['josh-sim-agent']);
      assert.ok(a.byModel['josh-sim-agent'].agent > 0);
      assert.equal(a.byModel['josh-sim-agent'].user, 0);
      assert.deepEqual(Object.keys(a.byModel['josh-sim-agent'].keys), [keyFingerprint(ENV.AGENT_KEY)]);
      assert.deepEqual(Object.keys(u.byModel), ['my-user']);
      assert.ok(u.byModel['my-user'].user > 0);
      assert.equal(u.byModel['my-user'].agent, 0);
      assert.deepEqual(Object.keys(u.byModel['my-user'].keys), [keyFingerprint(ENV.USER_KEY)]);
      assert.equal(a.badRequests + u.badRequests, 0);
      assert.equal(defaultSim.stats().requests.total + defaultSim.stats().badRequests, 0);

      // The keys stay in the worker: not in the harvest's history, not in the run's files.
      // Every workflow of the run (the harvest, its conversations and turns), payloads decoded.
      const ids = [id];
      for await (const wf of client.workflow.list({ query: `JoshHarvestId="${id}"` }))
        ids.push(wf.workflowId);
      // Payload bytes as text: the history's JSON form holds them in base64 (`data`).
      const decoded = (k: string, v: unknown): unknown =>
        k === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v;
      let history = '';
      for (const w of new Set(ids))
        history += JSON.stringify(await client.workflow.getHandle(w).fetchHistory(), decoded);
      const files = fs
        .readdirSync(runsRoot, { recursive: true, encoding: 'utf8' })
        .map((f) => path.join(runsRoot, f))
        .filter((f) => fs.statSync(f).isFile())
        .map((f) => fs.readFileSync(f, 'utf8'))
        .join('\n');
      for (const key of Object.values(ENV)) {
        assert.ok(!history.includes(key), 'a key is in the workflow history');
        assert.ok(!files.includes(key), 'a key is in the run directory');
      }
      // The model names are there: the histories were read, decoded.
      assert.ok(history.includes('my-agent') && history.includes('my-user'));
      assert.ok(ids.length > 2, `workflows read: ${ids.length}`);
    } finally {
      await Promise.all([agentSim.close(), userSim.close(), defaultSim.close()]);
    }
  });
});
