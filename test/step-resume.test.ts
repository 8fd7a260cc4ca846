// A search step's activity (the `activity` shape) retried more than once never pays for a model
// call twice: its heartbeat keeps the agent turns' checkpoint through a retry in which they were
// all done already and only user replies were made (and failed again). Runs the real searchStep
// activity in Temporal's mock activity environment against the simulated model over HTTP. The
// user model is routed to a closed port in the first attempt, to a proxy that answers every other
// request with HTTP 500 in the second (some replies finish and are heartbeated, then the attempt
// fails), and to the model itself in the third.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { resolveDataDir } from '../src/env/dataDir';
import { getEnvironment } from '../src/env';
import { createSimModelServer } from '../src/simmodel';
import { createSearchStepActivity } from '../src/activities/step';
import { createSearch } from '../src/josh/search';
import type { LlmEndpointConfig } from '../src/llm/endpoint';
import type { SearchStepInput, SearchStepOutput } from '../src/activities/types';

const TASK = 'MUL0013.json';

void test('a step retried twice keeps its finished turns: every agent call is made once', async () => {
  const dataDir = resolveDataDir();
  const sim = await createSimModelServer({ port: 0, dataDir });
  after(() => sim.close());
  const agentCalls = () => (sim.stats() as { requests: { agent: number } }).requests.agent;
  // Every other request: HTTP 500 (transient, retried), else forwarded to the model.
  let seen = 0;
  const flaky = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (seen++ % 2 === 1) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'flaky (test)' } }));
        return;
      }
      const fwd = http.request(
        `${sim.url}${req.url}`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  after(() => flaky.close());
  const flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/v1`;
  const endpoint = (user: 'closed' | 'flaky' | 'model'): LlmEndpointConfig => ({
    baseURL: `${sim.url}/v1`,
    apiKey: 'k',
    timeoutMs: 10_000,
    simulated: false,
    ...(user === 'model'
      ? {}
      : {
          models: {
            'sim-user': {
              name: 'sim-user',
              baseURL: user === 'closed' ? 'http://127.0.0.1:9/v1' : flakyUrl,
              apiKey: 'k',
              upstreamModel: 'sim-user',
              extra: {},
            },
          },
        }),
  });
  const task = getEnvironment('toolwoz', dataDir).getTask(TASK);
  const input: SearchStepInput = {
    search: createSearch('Hi, I am looking for a place to stay and somewhere to eat.', task.goalCalls.length),
    params: { beamSize: 4, branching: 2, maxSteps: 8 },
    goalCalls: task.goalCalls,
    turn: {
      seedRoot: 'step-resume',
      env: 'toolwoz',
      taskId: TASK,
      trial: 0,
      model: 'sim-agent',
      temperature: 1,
      strategy: 'function-calling',
      maxCalls: 3,
    },
    user: { env: 'toolwoz', taskId: TASK, userSim: 'goal', model: 'sim-user' },
  };
  /** One attempt: its outcome, and the last details it heartbeated. */
  const attempt = async (user: 'closed' | 'flaky' | 'model', details: unknown) => {
    const env = new MockActivityEnvironment({ heartbeatDetails: details });
    let last: unknown = details;
    env.on('heartbeat', (d: unknown) => (last = d));
    const step = createSearchStepActivity(dataDir, endpoint(user));
    // Each attempt decodes its own copy of the input, as a worker does.
    const copy = JSON.parse(JSON.stringify(input)) as SearchStepInput;
    try {
      return { out: await env.run(step, copy), last };
    } catch (err) {
      return { err: err as Error, last };
    }
  };

  const a = await attempt('closed', undefined);
  assert.ok(a.err, 'the first attempt fails at the user replies');
  const afterA = agentCalls();
  assert.ok(afterA > 0);
  const b = await attempt('flaky', a.last);
  assert.ok(b.err, 'the second attempt fails at the user replies again');
  const repliesKept = (b.last as { replies?: { done: Record<string, unknown> } }).replies;
  assert.ok(
    repliesKept && Object.keys(repliesKept.done).length > 0,
    'some replies finished and were heartbeated',
  );
  assert.equal(agentCalls(), afterA, 'the second attempt made no agent call: its turns were done');
  const turnsKept = (b.last as { turns?: { done: Record<string, unknown> } }).turns;
  assert.ok(
    turnsKept && Object.keys(turnsKept.done).length > 0,
    "the second attempt's heartbeat keeps the turns",
  );
  const c = await attempt('model', b.last);
  assert.equal(c.err, undefined, String(c.err));
  assert.equal(agentCalls(), afterA, 'the third attempt made no agent call either');
  const out = c.out as SearchStepOutput;
  const paid = out.turns.reduce((n, t) => n + t.usage.calls, 0);
  assert.equal(paid, afterA, 'every agent call the model served is in the step once');
  assert.ok(out.replies.length > 0 && out.replies.every((r) => 'text' in r));
  // The replies finished in the second attempt were not asked for again.
  const userCalls = (sim.stats() as { requests: { user: number } }).requests.user;
  assert.equal(userCalls, out.replies.filter((r) => 'usage' in r && r.usage.calls > 0).length);
});
