// A user model's own failure in a search step ends only that leaf, in both turn shapes: the
// step's replies are one activity (userReplies, or the activity shape's searchStep), and a leaf
// whose reply is refused must end as `user-error` while its siblings go on, exactly as when each
// reply was its own activity. A proxy in front of the simulated model refuses (HTTP 400, for good)
// the user model's replies after the opening for some leaves.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer } from '../src/simmodel';
import { readConversations, withStack } from './helpers/harvest';
import { comparableResults } from './helpers/chaos';

let proxy: http.Server;
let sim: Awaited<ReturnType<typeof createSimModelServer>>;
let proxyUrl = '';
let refused = 0;

before(async () => {
  sim = await createSimModelServer({ port: 0, dataDir: resolveDataDir() });
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as { model: string; messages: { content?: string }[] };
      // The user model, past its opening, on a conversation whose length is odd: a fixed,
      // content-derived share of leaves (the same in both shapes) has its reply refused.
      const text = JSON.stringify(body.messages);
      if (body.model === 'sim-user' && body.messages.length > 2 && text.length % 3 === 0) {
        refused++;
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: 'user reply refused (test)', type: 'invalid_request_error' } }),
        );
        return;
      }
      const fwd = http.request(
        `${sim.url}${req.url}`,
        { method: req.method, headers: { 'content-type': 'application/json' } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', (e) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `proxy: ${e.message}` } }));
      });
      fwd.end(raw);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
});
after(async () => {
  proxy.close();
  await sim.close();
});

void test("a refused user reply ends only its leaf, in a step's batch, in both shapes alike", async () => {
  await withStack({ llmBaseURL: proxyUrl }, async (stack) => {
    const base = { split: 'val', limit: 2, beamSize: 4, maxSteps: 6, seed: 'step-failures' };
    const stamp = Date.now();
    const dirs: string[] = [];
    for (const turns of ['activity', 'child'] as const) {
      const id = `t-step-fail-${turns}-${stamp}`;
      const progress = await stack.run({ ...base, id, turns });
      assert.deepEqual([progress.done, progress.failed], [2, 0], `${turns}: both conversations complete`);
      dirs.push(path.join(stack.runsRoot, id));
    }
    assert.ok(refused > 0, 'some user replies were refused');
    const ended = readConversations(dirs[0]).flatMap((r) =>
      (r.tree as { endReason?: string }[]).filter((n) => n.endReason === 'user-error'),
    );
    assert.ok(ended.length > 0, 'the refused leaves ended as user errors');
    // The same leaves ended, and everything else is the same, whichever shape ran the step.
    assert.deepEqual(comparableResults(dirs[0]), comparableResults(dirs[1]));
  });
});
