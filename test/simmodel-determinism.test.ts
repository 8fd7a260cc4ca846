// Reproducibility: the same request with the same seed gets a byte-identical response (from any
// server instance), other seeds explore other outputs, temperature 0 ignores the seed, and a whole
// multi-turn conversation produced twice with the same seeds is byte-identical.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildAgentRequest } from '../src/agent';
import { getEnvironment } from '../src/env';
import { resolveDataDir } from '../src/env/dataDir';
import type { Environment } from '../src/env/types';
import { createSimModelServer, type SimModelServer } from '../src/simmodel';
import { rollout } from './helpers/simRollout';

const DATA = resolveDataDir();
let a: SimModelServer;
let b: SimModelServer;
let env: Environment;

before(async () => {
  [a, b] = await Promise.all([
    createSimModelServer({ port: 0, dataDir: DATA }),
    createSimModelServer({ port: 0, dataDir: DATA }),
  ]);
  env = getEnvironment('toolwoz', DATA);
});
after(() => Promise.all([a.close(), b.close()]));

async function rawCompletion(server: SimModelServer, body: Record<string, unknown>): Promise<string> {
  const r = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(r.status, 200);
  return r.text();
}

function agentRequest(text: string, extra: Record<string, unknown>): Record<string, unknown> {
  const body = buildAgentRequest('function-calling', env.agentSystemPrompt('function-calling'), env.tools(), [
    { role: 'user', content: text },
  ]);
  return { ...body, model: 'josh-sim-agent', ...extra };
}

const request =
  'I need a cheap restaurant in the centre serving italian food, and a table for 4 at 19:00 on friday.';

void describe('determinism', () => {
  void test('same request, same seed → byte-identical responses, on any server instance', async () => {
    const body = agentRequest(request, { temperature: 1, seed: 42 });
    const first = await rawCompletion(a, body);
    assert.equal(await rawCompletion(a, body), first);
    assert.equal(await rawCompletion(b, body), first);
  });

  void test('different seeds at temperature 1 explore different outputs', async () => {
    const outputs = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const r = JSON.parse(await rawCompletion(a, agentRequest(request, { temperature: 1, seed }))) as {
        choices: { message: unknown }[];
      };
      outputs.add(JSON.stringify(r.choices[0].message));
    }
    assert.ok(outputs.size >= 3, `only ${outputs.size} distinct outputs over 40 seeds`);
  });

  void test('temperature 0 is deterministic whatever the seed', async () => {
    const messages = new Set<string>();
    for (const seed of [undefined, 0, 1, 99, 123456]) {
      const r = JSON.parse(await rawCompletion(a, agentRequest(request, { temperature: 0, seed }))) as {
        choices: { message: unknown }[];
      };
      messages.add(JSON.stringify(r.choices[0].message));
    }
    assert.equal(messages.size, 1);
  });

  void test('a multi-turn conversation produced twice with the same seeds is byte-identical', async () => {
    const tasks = env.listTasks('val').slice(0, 6);
    for (const task of tasks) {
      const first = await rollout(`${a.url}/v1`, env, task, { temperature: 1, runId: 'det' });
      const second = await rollout(`${b.url}/v1`, env, task, { temperature: 1, runId: 'det' });
      assert.ok(first.transcript.length >= 4, `${task.id}: a real conversation`);
      assert.equal(JSON.stringify(second), JSON.stringify(first), task.id);
    }
    // And the seeds matter: another run id samples other conversations somewhere.
    const other = await Promise.all(
      tasks.map((t) => rollout(`${a.url}/v1`, env, t, { temperature: 1, runId: 'other' })),
    );
    const again = await Promise.all(
      tasks.map((t) => rollout(`${a.url}/v1`, env, t, { temperature: 1, runId: 'det' })),
    );
    assert.notEqual(JSON.stringify(other), JSON.stringify(again));
  });
});
