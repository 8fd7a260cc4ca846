// Bad input from the model, inside a conversation: a body that is not JSON (with and without a
// JSON content type), a completion without choices, a tool call to a tool that does not exist,
// tool arguments that are not JSON, an enormous message, an empty completion, a 401 that echoes
// the key masked (scrubbed before it is recorded) — and a model that never gives a usable
// completion. Each is recorded in the search tree (an agent failure that ends its leaf, or an
// error result the agent sees) and the search goes on; the harvest completes.
//
// The misbehaving model is a small HTTP proxy in front of the simulated model: requests for an
// agent model named `bad-<kind>` get that misbehaviour once (the first one; `bad-always-<kind>`:
// every one), everything else is passed through, so the simulated model itself stays unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { createActivities } from '../src/activities';
import { RunConfig } from '../src/config/run';
import { resolveDataDir } from '../src/env/dataDir';
import type { HarvestProgress } from '../src/shared/harvestApi';
import type { Message } from '../src/shared/messages';
import type { ConversationResult, TreeNode, TurnRecord } from '../src/shared/results';
import { llmQueueFor } from '../src/shared/taskQueues';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import { createLogger } from '../src/util/logger';
import { NativeConnection } from '@temporalio/worker';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { createWorkers, runWorkers, type JoshWorkers } from '../src/worker';
import { testAddress, testClient, testNamespace, uniqueTaskQueue } from './helpers/temporal';

const ENORMOUS = 5 * 1024 * 1024;

const MASKED_KEY = 'sk-tes*****************************wxyz';

type Reply = { status: number; contentType: string; body: string };

const completion = (message: Record<string, unknown>, finish = 'stop'): Reply => ({
  status: 200,
  contentType: 'application/json',
  body: JSON.stringify({
    id: 'chatcmpl-bad',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'bad',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  }),
});

const toolCall = (name: string, args: string): Reply =>
  completion(
    {
      content: null,
      tool_calls: [{ id: 'call_bad', type: 'function', function: { name, arguments: args } }],
    },
    'tool_calls',
  );

const MISBEHAVIOUR: Record<string, () => Reply> = {
  'not-json': () => ({
    status: 200,
    contentType: 'application/json',
    body: '{"id": "x", "choices": [{"mess',
  }),
  html: () => ({ status: 200, contentType: 'text/html', body: '<html><body>502 Bad Gateway</body></html>' }),
  'no-choices': () => ({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'bad', choices: [] }),
  }),
  'unknown-tool': () => toolCall('book_spaceship', '{"destination": "mars"}'),
  'args-not-json': () => toolCall('search_restaurant', '{"area": "centre", "food": '),
  enormous: () => completion({ content: `I can help with that. ${'x'.repeat(ENORMOUS)}` }),
  empty: () => completion({ content: '' }),
  // OpenAI's 401 echoes the key, masked: its first characters and last four.
  unauthorized: () => ({
    status: 401,
    contentType: 'application/json',
    body: JSON.stringify({
      error: {
        message: `Incorrect API key provided: ${MASKED_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
        param: null,
      },
    }),
  }),
};

/** The proxy: misbehaves for `bad-*` models as described above, otherwise forwards to `upstream`. */
async function misbehavingModel(upstream: string): Promise<{ url: string; close(): Promise<void> }> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let reply: Reply | undefined;
        const model = /"model"\s*:\s*"([^"]+)"/.exec(raw)?.[1] ?? '';
        const m = /^bad-(always-)?(.+)$/.exec(model);
        if (m && req.url?.endsWith('/chat/completions')) {
          const n = seen.get(model) ?? 0;
          seen.set(model, n + 1);
          if (m[1] || n === 0) reply = MISBEHAVIOUR[m[2]]?.();
        }
        if (!reply) {
          const r = await fetch(`${upstream}${req.url}`, {
            method: req.method,
            headers: { 'content-type': 'application/json' },
            body: req.method === 'POST' ? raw : undefined,
          });
          reply = {
            status: r.status,
            contentType: r.headers.get('content-type') ?? '',
            body: await r.text(),
          };
        }
        res.writeHead(reply.status, { 'content-type': reply.contentType });
        res.end(reply.body);
      })().catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const dataDir = resolveDataDir();
const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-badmodel-'));
const taskQueue = uniqueTaskQueue('badmodel');
let sim: SimModelServer;
let proxy: Awaited<ReturnType<typeof misbehavingModel>>;
let connection: NativeConnection;
let workers: JoshWorkers;
let running: Promise<void>;
let client: Client;
const results = new Map<string, Promise<{ progress: HarvestProgress; result: ConversationResult }>>();

/** One small harvest (1 task, beam 2) whose agent model is `model`. */
function harvestWith(model: string) {
  const id = `badmodel-${model}-${Date.now()}`;
  const config = RunConfig.parse({
    id,
    split: 'val',
    limit: 1,
    beamSize: 2,
    branching: 2,
    maxSteps: 3,
    userSim: 'script',
    agentModel: model,
    seed: 'bad-input',
  });
  return (async () => {
    const progress = (await client.workflow.execute('harvestWorkflow', {
      workflowId: id,
      taskQueue,
      args: [config],
    })) as HarvestProgress;
    const dir = path.join(runsRoot, id, 'conversations');
    const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    const result = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ConversationResult;
    return { progress, result };
  })();
}

before(async () => {
  sim = await createSimModelServer({ port: 0, dataDir });
  proxy = await misbehavingModel(sim.url);
  const logger = createLogger({ env: { JOSH_LOG_LEVEL: 'error', JOSH_LOG_FORMAT: 'json' } });
  // Its own connection: the shared one is closed by the helper before this file's after() runs.
  installTemporalRuntime(logger, { shutdownSignals: [] });
  connection = await NativeConnection.connect({ address: testAddress() });
  workers = await createWorkers({
    connection,
    namespace: testNamespace(),
    workflowsPath: require.resolve('../src/workflows'),
    activities: createActivities({
      dataDir,
      runsRoot,
      logger,
      llm: { baseURL: `${proxy.url}/v1`, apiKey: 'test', timeoutMs: 30_000, simulated: false },
    }),
    taskQueues: { main: taskQueue, llm: llmQueueFor(taskQueue) },
    shutdownGraceTime: '1s',
  });
  running = runWorkers(workers);
  client = await testClient();
  // All at once: they are independent, and each is small.
  for (const kind of [...Object.keys(MISBEHAVIOUR), 'always-no-choices', 'always-html']) {
    const p = harvestWith(`bad-${kind}`);
    p.catch(() => undefined); // reported by the test that awaits it
    results.set(kind, p);
  }
});

after(async () => {
  await Promise.allSettled(results.values());
  workers?.main.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
  await proxy?.close();
  await sim?.close();
});

const turns = (r: ConversationResult): (TurnRecord & { node: TreeNode })[] =>
  (r.tree as TreeNode[]).flatMap((node) => node.turns.map((t) => ({ ...t, node })));

/** The harvest finished, its conversation was written, and the search went past the bad reply. */
async function survived(kind: string): Promise<ConversationResult> {
  const { progress, result } = await results.get(kind)!;
  assert.equal(progress.status, 'done');
  assert.equal(progress.done, 1);
  assert.equal(progress.failed, 0, 'the conversation workflow itself did not fail');
  return result;
}

/** One leaf died of the model's reply (its turn records why) and the others carried on. */
async function assertLeafFailure(kind: string, why: RegExp): Promise<void> {
  const result = await survived(kind);
  const failed = turns(result).filter((t) => t.error !== undefined);
  assert.equal(failed.length, 1, `one failed turn, got ${failed.length}`);
  assert.match(failed[0].error!, why);
  assert.equal(failed[0].node.endReason, 'agent-error');
  const others = turns(result).filter((t) => t.error === undefined);
  assert.ok(others.length >= 2, 'the search went on after the failure');
}

test('a 200 whose body is not JSON (JSON content type) ends that leaf only, as a malformed completion', async () => {
  await assertLeafFailure('not-json', /malformed completion.*not JSON/i);
});

test('an HTML page instead of a completion ends that leaf only, as a malformed completion', async () => {
  await assertLeafFailure('html', /malformed completion/);
});

test('a completion without choices ends that leaf only', async () => {
  await assertLeafFailure('no-choices', /malformed completion \(choices: no choices\)/);
});

test('an enormous message is refused before it reaches the history, and ends that leaf only', async () => {
  await assertLeafFailure('enormous', /too large/);
  const { result } = await results.get('enormous')!;
  const biggest = Math.max(...turns(result).flatMap((t) => t.messages.map((m) => JSON.stringify(m).length)));
  assert.ok(biggest < 100_000, `a ${biggest}-character message made it into the tree`);
});

test('a 401 (a bad key: the endpoint refuses everyone) fails the conversation, not a leaf, its message scrubbed of the key', async () => {
  // Pruning a branch on a 401 would let a run with a wrong key "finish" with nothing harvested.
  const err = await results.get('unauthorized')!.then(
    () => assert.fail("the run finished as if a 401 were the model's own answer"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError, String(err));
  const message = String((err.cause as Error | undefined)?.message);
  assert.match(message, /every conversation failed \(1 of 1\)/);
  assert.match(message, /HTTP 401 invalid_api_key: Incorrect API key provided: \[redacted\]\./);
  assert.ok(!message.includes(MASKED_KEY) && !/\*{3,}wxyz/.test(message), 'the masked key is in the failure');
});

test('a call to a tool that does not exist gets an error result the agent sees; the turn goes on', async () => {
  const result = await survived('unknown-tool');
  const bad = turns(result).find((t) => t.calls.some((c) => c.name === 'book_spaceship'));
  assert.ok(bad, 'the call is recorded');
  const reply = bad.messages.find((m) => m.role === 'tool' && m.name === 'book_spaceship');
  assert.match(reply?.content ?? '', /unknown API "book_spaceship"/);
  assert.equal(bad.error, undefined);
});

test('tool arguments that are not JSON get an error result the agent sees; the turn goes on', async () => {
  const result = await survived('args-not-json');
  const bad = turns(result).find((t) =>
    t.messages.some((m) => m.role === 'tool' && /parameters must be a JSON object/.test(m.content)),
  );
  assert.ok(bad, 'the error result is in the tree');
  assert.equal(bad.error, undefined);
  const call = bad.messages.find(
    (m): m is Extract<Message, { role: 'assistant' }> => m.role === 'assistant' && !!m.toolCalls?.length,
  );
  assert.equal(typeof call?.toolCalls?.[0].arguments, 'string', 'the raw arguments are kept');
});

test('an empty completion is answered with a format reminder and the agent tries again', async () => {
  const result = await survived('empty');
  const t = turns(result).find((x) => x.messages.some((m) => m.role === 'assistant' && m.content === ''));
  assert.ok(t, 'the empty reply is recorded');
  const i = t.messages.findIndex((m) => m.role === 'assistant' && m.content === '');
  assert.match(t.messages[i + 1]?.content ?? '', /empty/);
  assert.ok(t.messages.length > i + 2, 'the agent was asked again within the turn');
});

test('a model that never completes: every leaf fails, the conversation is recorded with reward 0', async () => {
  for (const kind of ['always-no-choices', 'always-html']) {
    const result = await survived(kind);
    assert.equal(result.reward, 0);
    assert.equal(result.stopReason, 'all-ended');
    const all = turns(result);
    assert.ok(all.length >= 2 && all.every((t) => t.error !== undefined), `${kind}: every turn failed`);
  }
});
