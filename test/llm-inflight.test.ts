// `--llm-concurrency` bounds the model calls in flight in a worker: a search step's activity makes
// several calls at once, so the cap is a semaphore shared by every call made with the worker's
// endpoint config (src/llm/client.ts), not only the activity slots. Against a real HTTP server
// that counts the requests it holds at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatCompletion } from '../src/llm/client';
import type { LlmEndpointConfig } from '../src/llm/endpoint';

let server: http.Server;
let baseURL = '';
let holding = 0;
let peak = 0;
/** The server answers the requests it holds once `gate` of them are in flight at once (after
 * `linger` ms, so that requests a broken cap would let through have time to arrive), or after 5 s
 * whatever it holds (the client's own timeout is longer). A gate, not a fixed delay: on a busy
 * machine a request could otherwise finish before the next one arrives, and the peak would measure
 * the machine's speed, not the client's cap (CI saw 4 of 7 that way). */
let gate = 1;
let linger = 0;
/** Requests of the current phase: the last ones are answered when they are all in, even if fewer
 * than `gate` remain. */
let expected = 0;
let received = 0;
let waiting: http.ServerResponse[] = [];

function answerAll(): void {
  const those = waiting;
  waiting = [];
  for (const res of those) {
    holding--;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1 },
      }),
    );
  }
}

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    holding++;
    peak = Math.max(peak, holding);
    waiting.push(res);
    received++;
    if (holding === gate || received === expected) setTimeout(answerAll, linger);
    setTimeout(() => waiting.includes(res) && answerAll(), 5_000).unref();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => server.close());

const calls = (cfg: LlmEndpointConfig, n: number) =>
  Promise.all(
    Array.from({ length: n }, () =>
      chatCompletion(cfg, { model: 'm', messages: [], temperature: 0 }, 'test call'),
    ),
  );

test('with maxInFlight the calls made with one config wait for each other; without it they all go at once', async () => {
  const base = { baseURL, apiKey: 'k', timeoutMs: 10_000, simulated: false };
  [peak, gate, linger, expected, received] = [0, 2, 100, 7, 0];
  const capped = { ...base, maxInFlight: 2 };
  const out = await calls(capped, 7);
  assert.equal(out.length, 7);
  assert.ok(out.every((r) => r.message.content === 'ok'));
  assert.equal(peak, 2, 'at most 2 requests in flight');
  [peak, gate, linger, expected, received] = [0, 7, 0, 7, 0];
  await calls(base, 7);
  assert.equal(peak, 7, 'no cap: all 7 at once');
});
