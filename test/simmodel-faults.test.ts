// Injected faults as the openai SDK sees them (maxRetries: 0, so each surfaces as its typed error),
// their determinism under the fault seed, and a clean shutdown with requests still hanging.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer, type FaultKind, type SimModelServer } from '../src/simmodel';

const DATA = resolveDataDir();
const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'search_restaurant',
      parameters: { type: 'object', properties: { food: { type: 'string' } } },
    },
  },
];

async function withFault<T>(
  kind: FaultKind,
  fn: (client: OpenAI, sim: SimModelServer) => Promise<T>,
  timeout = 5_000,
) {
  const sim = await createSimModelServer({ port: 0, dataDir: DATA, faults: { [kind]: 1 } });
  try {
    return await fn(new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test', maxRetries: 0, timeout }), sim);
  } finally {
    await sim.close();
  }
}

const ask = (client: OpenAI, content = 'I would like some indian food please.') =>
  client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'user', content }],
    tools,
    temperature: 0,
  });

void describe('fault injection through the SDK', () => {
  void test('429 is a RateLimitError carrying a small Retry-After', async () => {
    await withFault('429', async (client, sim) => {
      await assert.rejects(ask(client), (e: unknown) => {
        assert.ok(e instanceof OpenAI.RateLimitError);
        assert.equal(e.status, 429);
        assert.equal(e.headers?.get('retry-after'), '1');
        assert.equal((e.error as { code?: string }).code, 'rate_limit_exceeded');
        return true;
      });
      assert.equal(sim.stats().faults['429'], 1);
    });
  });

  void test('500 is an InternalServerError', async () => {
    await withFault('500', async (client, sim) => {
      await assert.rejects(
        ask(client),
        (e: unknown) => e instanceof OpenAI.InternalServerError && e.status === 500,
      );
      assert.equal(sim.stats().faults['500'], 1);
    });
  });

  void test('503 is an InternalServerError with status 503', async () => {
    await withFault('503', async (client, sim) => {
      await assert.rejects(
        ask(client),
        (e: unknown) => e instanceof OpenAI.InternalServerError && e.status === 503,
      );
      assert.equal(sim.stats().faults['503'], 1);
    });
  });

  void test('a hung request ends in APIConnectionTimeoutError; close() still returns promptly', async () => {
    // A hang never answers, so a close() that waited for it would never return: the proof that it
    // did not wait is that the request left hanging is cut when close() returns (not a clock).
    let dangling: Promise<string> | undefined;
    await withFault(
      'hang',
      async (client, sim) => {
        await assert.rejects(ask(client), (e: unknown) => e instanceof OpenAI.APIConnectionTimeoutError);
        assert.equal(sim.stats().faults.hang, 1);
        // Leave one hanging for close() to cut.
        dangling = ask(
          new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test', maxRetries: 0, timeout: 60_000 }),
        ).then(
          () => 'answered',
          (e: unknown) => `cut: ${(e as Error).constructor.name}`,
        );
        await new Promise((r) => setTimeout(r, 50));
      },
      300,
    );
    assert.equal(await dangling, 'cut: APIConnectionError', 'close() cut the hung request');
  });

  void test('a dropped connection is an APIConnectionError (not a timeout)', async () => {
    await withFault('drop', async (client, sim) => {
      await assert.rejects(
        ask(client),
        (e: unknown) =>
          e instanceof OpenAI.APIConnectionError && !(e instanceof OpenAI.APIConnectionTimeoutError),
      );
      assert.equal(sim.stats().faults.drop, 1);
    });
  });

  void test('malformed: a completion whose tool-call arguments are not JSON', async () => {
    await withFault('malformed', async (client, sim) => {
      const r = await ask(client);
      const call = r.choices[0].message.tool_calls?.[0];
      assert.ok(call && call.type === 'function');
      assert.throws(() => JSON.parse(call.function.arguments));
      assert.equal(sim.stats().faults.malformed, 1);
    });
  });

  void test('faults are deterministic under the fault seed, and a retried request can succeed', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const sim = await createSimModelServer({
        port: 0,
        dataDir: DATA,
        seed,
        faults: { '429': 0.3, '500': 0.2 },
      });
      const client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test', maxRetries: 0 });
      const out: string[] = [];
      try {
        // The same request five times (attempts 1..5), then ten distinct requests.
        const contents = [
          ...Array(5).fill('the same request'),
          ...Array.from({ length: 10 }, (_, i) => `request ${i}`),
        ];
        for (const c of contents) {
          out.push(
            await ask(client, c).then(
              () => 'ok',
              (e: { status?: number }) => String(e.status),
            ),
          );
        }
      } finally {
        await sim.close();
      }
      return out;
    };
    const a = await outcomes(7);
    assert.deepEqual(await outcomes(7), a, 'same fault seed, same faults');
    assert.ok(a.includes('ok') && a.some((x) => x !== 'ok'), `a mix of faults and successes: ${a.join(',')}`);
    assert.ok(a.slice(0, 5).includes('ok'), 'retrying the same request eventually succeeds');
    assert.notDeepEqual(await outcomes(8), a, 'another fault seed, other faults');
  });
});
