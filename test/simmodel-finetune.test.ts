// The simulated model's files and fine-tuning jobs API, through the official openai SDK: uploads
// and their validation, the job lifecycle on the clock with its events, cancel, injected failures,
// the metadata filter, persistence across a restart, and fine-tuned model names in chat requests.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { APIError, toFile } from 'openai';
import { resolveDataDir } from '../src/env/dataDir';
import { exportRun } from '../src/export';
import { createSimModelServer, type SimModelOptions, type SimModelServer } from '../src/simmodel';
import { fakeEnvironment, writeRun } from './fixtures/exportResults';

const DATA = resolveDataDir();
const PHASE = 0.15; // seconds per phase: short, the waits below are generous

const sft = (user: string, reply: string): string =>
  JSON.stringify({
    messages: [
      { role: 'user', content: user },
      { role: 'assistant', content: reply },
    ],
  });
const GOOD_SFT = `${sft('Hello', 'Hi, how can I help?')}\n${sft('Thanks, bye', 'Goodbye!')}\n`;

let sim: SimModelServer;
let client: OpenAI;
const extra: SimModelServer[] = [];

async function server(opts: SimModelOptions = {}): Promise<{ sim: SimModelServer; client: OpenAI }> {
  const s = await createSimModelServer({ port: 0, dataDir: DATA, fineTuneSecondsPerPhase: PHASE, ...opts });
  extra.push(s);
  return {
    sim: s,
    client: new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 }),
  };
}

async function upload(c: OpenAI, text: string, name = 'train.jsonl') {
  return c.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'fine-tune' });
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
async function waitDone(c: OpenAI, id: string): Promise<OpenAI.FineTuning.FineTuningJob> {
  const deadline = Date.now() + 60_000;
  const seen: string[] = [];
  for (;;) {
    const j = await c.fineTuning.jobs.retrieve(id);
    if (seen[seen.length - 1] !== j.status) seen.push(j.status);
    if (TERMINAL.has(j.status)) return j;
    if (Date.now() > deadline) throw new Error(`job ${id} not done in time (statuses: ${seen.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function allEvents(c: OpenAI, id: string): Promise<OpenAI.FineTuning.Jobs.FineTuningJobEvent[]> {
  const out: OpenAI.FineTuning.Jobs.FineTuningJobEvent[] = [];
  for await (const e of c.fineTuning.jobs.listEvents(id, { limit: 2 })) out.push(e);
  return out;
}

before(async () => {
  ({ sim, client } = await server());
});
after(async () => {
  for (const s of extra) await s.close();
});

void describe('files', () => {
  void test('upload, retrieve, list, content and delete a JSONL file', async () => {
    const f = await upload(client, GOOD_SFT);
    assert.match(f.id, /^file-/);
    assert.equal(f.object, 'file');
    assert.equal(f.purpose, 'fine-tune');
    assert.equal(f.filename, 'train.jsonl');
    assert.equal(f.bytes, Buffer.byteLength(GOOD_SFT));
    assert.deepEqual(await client.files.retrieve(f.id), f);
    const listed = (await client.files.list({ purpose: 'fine-tune' })).data.map((x) => x.id);
    assert.ok(listed.includes(f.id));
    assert.equal(await (await client.files.content(f.id)).text(), GOOD_SFT);
    assert.deepEqual(await client.files.delete(f.id), { id: f.id, object: 'file', deleted: true });
    await assert.rejects(client.files.retrieve(f.id), (e: APIError) => e.status === 404);
  });

  void test('a file that is not JSONL is refused at upload, naming the line and the reason', async () => {
    await assert.rejects(
      upload(client, `${sft('a', 'b')}\n{"messages": [\n`),
      (e: APIError) => e.status === 400 && /Line 2: not valid JSON/.test(e.message),
    );
    await assert.rejects(
      upload(client, `${sft('a', 'b')}\n\n[1, 2]\n`),
      (e: APIError) => e.status === 400 && /Line 3: each line must be a JSON object/.test(e.message),
    );
    await assert.rejects(
      upload(client, GOOD_SFT, 'train.csv'),
      (e: APIError) => e.status === 400 && /Must be \.jsonl/.test(e.message),
    );
  });
});

void describe("the product's exports", () => {
  void test('openai-sft and openai-dpo files (docs/exports.md) upload and train under their method', async () => {
    const runDir = writeRun();
    try {
      for (const [format, type] of [
        ['openai-sft', 'supervised'],
        ['openai-dpo', 'dpo'],
      ] as const) {
        const { out, examples } = exportRun(runDir, format, { environment: fakeEnvironment });
        assert.ok(examples > 0, format);
        const f = await upload(client, fs.readFileSync(out, 'utf8'), path.basename(out));
        const job = await waitDone(
          client,
          (
            await client.fineTuning.jobs.create({
              model: 'josh-sim-agent',
              training_file: f.id,
              method: { type },
            })
          ).id,
        );
        assert.equal(job.status, 'succeeded', `${format}: ${JSON.stringify(job.error)}`);
        // Under the other method the same file is refused, with its first line.
        const other = type === 'dpo' ? 'supervised' : 'dpo';
        const wrong = await waitDone(
          client,
          (
            await client.fineTuning.jobs.create({
              model: 'josh-sim-agent',
              training_file: f.id,
              method: { type: other },
            })
          ).id,
        );
        assert.equal(wrong.status, 'failed');
        assert.match(wrong.error?.message ?? '', /Line 1: /);
      }
    } finally {
      fs.rmSync(runDir, { recursive: true, force: true });
    }
  });
});

void describe('fine-tuning jobs', () => {
  void test('a job moves validating_files → queued → running → succeeded, with events, tokens and a model name', async () => {
    const f = await upload(client, GOOD_SFT);
    const created = await client.fineTuning.jobs.create({
      model: 'josh-sim-agent',
      training_file: f.id,
      suffix: 'round1',
      seed: 7,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
    });
    assert.equal(created.object, 'fine_tuning.job');
    assert.equal(created.status, 'validating_files');
    assert.equal(created.fine_tuned_model, null);
    assert.equal(created.seed, 7);
    const seen = new Set<string>([created.status]);
    const deadline = Date.now() + 60_000;
    let job = created;
    while (!TERMINAL.has(job.status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      job = await client.fineTuning.jobs.retrieve(created.id);
      seen.add(job.status);
    }
    assert.equal(job.status, 'succeeded');
    assert.ok(seen.has('running'), `statuses seen: ${[...seen].join(', ')}`);
    assert.equal(job.fine_tuned_model, `ft:josh-sim-agent:josh-sim:round1:${job.id}`);
    assert.ok((job.trained_tokens ?? 0) > 0);
    assert.equal(job.hyperparameters.n_epochs, 2);
    assert.ok(job.finished_at !== null && job.finished_at >= job.created_at);

    const events = await allEvents(client, job.id); // newest first, paged 2 at a time
    const messages = events.map((e) => e.message).reverse();
    assert.match(messages[0], new RegExp(`Validating training file: ${f.id}`));
    assert.ok(messages.includes('Files validated, moving job to queued state'));
    assert.ok(messages.includes('Fine-tuning job started'));
    assert.ok(
      events.some(
        (e) => e.type === 'metrics' && typeof (e.data as { train_loss?: number }).train_loss === 'number',
      ),
    );
    assert.equal(messages[messages.length - 1], 'The job has successfully completed');
    const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
    assert.equal(checkpoints.data[0]?.fine_tuned_model_checkpoint, job.fine_tuned_model);

    // The new model answers chat requests; a fine-tuned name this server never made is a 404.
    const r = await client.chat.completions.create({
      model: job.fine_tuned_model ?? '',
      messages: [{ role: 'user', content: 'hello' }],
    });
    assert.equal(r.model, job.fine_tuned_model);
    await assert.rejects(
      client.chat.completions.create({
        model: 'ft:josh-sim-agent:josh-sim::ftjob-nope',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (e: APIError) => e.status === 404 && e.code === 'model_not_found',
    );
    // Fine-tuning the fine-tuned model: its name keeps the root base, as OpenAI's do.
    const child = await waitDone(
      client,
      (
        await client.fineTuning.jobs.create({
          model: job.fine_tuned_model ?? '',
          training_file: f.id,
          suffix: 'r2',
        })
      ).id,
    );
    assert.equal(child.status, 'succeeded');
    assert.equal(child.fine_tuned_model, `ft:josh-sim-agent:josh-sim:r2:${child.id}`);
  });

  void test('a malformed record fails the job with its line and reason', async () => {
    const noAssistant = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
    const badCall = JSON.stringify({
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: {} } }],
        },
      ],
    });
    const cases: [string, string, RegExp][] = [
      [
        `${sft('a', 'b')}\n${noAssistant}\n`,
        'supervised',
        /Line 2: messages: at least one assistant message is required/,
      ],
      [`${badCall}\n`, 'supervised', /Line 1: messages\.1\.tool_calls\.0\.function\.arguments: /],
      [`${sft('a', 'b')}\n`, 'dpo', /Line 1: /],
    ];
    for (const [text, type, want] of cases) {
      const f = await upload(client, text);
      const job = await waitDone(
        client,
        (
          await client.fineTuning.jobs.create({
            model: 'josh-sim-agent',
            training_file: f.id,
            method: { type: type as 'dpo' },
          })
        ).id,
      );
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'invalid_training_file');
      assert.equal(job.error?.param, 'training_file');
      assert.match(job.error?.message ?? '', want);
      assert.equal(job.fine_tuned_model, null);
    }
  });

  void test('creating a job checks its parameters at once', async () => {
    await assert.rejects(
      client.fineTuning.jobs.create({ model: 'josh-sim-agent', training_file: 'file-missing' }),
      (e: APIError) => e.status === 400 && e.param === 'training_file',
    );
    const f = await upload(client, GOOD_SFT);
    await assert.rejects(
      client.fineTuning.jobs.create({ model: 'ft:josh-sim-agent:josh-sim::ftjob-x', training_file: f.id }),
      (e: APIError) => e.status === 400 && e.param === 'model',
    );
    await assert.rejects(
      client.fineTuning.jobs.create({ model: 'm', training_file: f.id, suffix: 'a:b' }),
      (e: APIError) => e.status === 400 && e.param === 'suffix',
    );
  });

  void test('cancel stops a job for good; cancelling again is refused', async () => {
    const { client: c } = await server({ fineTuneSecondsPerPhase: 30 });
    const f = await upload(c, GOOD_SFT);
    const job = await c.fineTuning.jobs.create({ model: 'josh-sim-agent', training_file: f.id });
    const cancelled = await c.fineTuning.jobs.cancel(job.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal((await c.fineTuning.jobs.retrieve(job.id)).status, 'cancelled');
    assert.equal((await allEvents(c, job.id))[0].message, 'Fine-tuning job cancelled');
    await assert.rejects(c.fineTuning.jobs.cancel(job.id), (e: APIError) => e.status === 400);
    await assert.rejects(c.fineTuning.jobs.retrieve('ftjob-none'), (e: APIError) => e.status === 404);
  });

  void test('injected failure: by metadata flag, and by the server fail rate', async () => {
    const f = await upload(client, GOOD_SFT);
    const flagged = await waitDone(
      client,
      (
        await client.fineTuning.jobs.create({
          model: 'josh-sim-agent',
          training_file: f.id,
          metadata: { josh_sim_fail: '1' },
        })
      ).id,
    );
    assert.equal(flagged.status, 'failed');
    assert.equal(flagged.error?.code, 'server_error');
    assert.match(flagged.error?.message ?? '', /simulated fault injection/);
    assert.equal(flagged.fine_tuned_model, null);

    const { client: c } = await server({ fineTuneFailRate: 1 });
    const g = await upload(c, GOOD_SFT);
    const failed = await waitDone(
      c,
      (await c.fineTuning.jobs.create({ model: 'josh-sim-agent', training_file: g.id })).id,
    );
    assert.equal(failed.status, 'failed');
    const { client: ok } = await server({ fineTuneFailRate: 0 });
    const h = await upload(ok, GOOD_SFT);
    assert.equal(
      (await waitDone(ok, (await ok.fineTuning.jobs.create({ model: 'm', training_file: h.id })).id)).status,
      'succeeded',
    );
  });

  void test('list: newest first, metadata[k]=v filter, cursor pages', async () => {
    const { client: c } = await server({ fineTuneSecondsPerPhase: 30 });
    const f = await upload(c, GOOD_SFT);
    const ids: string[] = [];
    for (const wf of ['wf-a', 'wf-b', 'wf-a']) {
      ids.push(
        (await c.fineTuning.jobs.create({ model: 'm', training_file: f.id, metadata: { josh_workflow: wf } }))
          .id,
      );
    }
    const a = await c.fineTuning.jobs.list({ metadata: { josh_workflow: 'wf-a' } });
    assert.deepEqual(
      a.data.map((j) => j.id),
      [ids[2], ids[0]],
    );
    assert.deepEqual((await c.fineTuning.jobs.list({ metadata: { josh_workflow: 'wf-c' } })).data, []);
    const first = await c.fineTuning.jobs.list({ limit: 1 });
    assert.deepEqual(
      first.data.map((j) => j.id),
      [ids[2]],
    );
    assert.equal(first.has_more, true);
    const paged: string[] = [];
    for await (const j of c.fineTuning.jobs.list({ limit: 1 })) paged.push(j.id);
    assert.deepEqual(paged, [...ids].reverse());
  });

  void test('with a state directory, a restarted server keeps its files and jobs, and the job finishes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-ft-state-'));
    try {
      const first = await server({ stateDir: dir, fineTuneSecondsPerPhase: 0.3 });
      const f = await upload(first.client, GOOD_SFT);
      const job = await first.client.fineTuning.jobs.create({
        model: 'josh-sim-agent',
        training_file: f.id,
        suffix: 's',
      });
      await first.sim.close();
      const second = await server({ stateDir: dir, fineTuneSecondsPerPhase: 0.3 });
      assert.equal((await second.client.files.retrieve(f.id)).id, f.id);
      assert.equal(await (await second.client.files.content(f.id)).text(), GOOD_SFT);
      const done = await waitDone(second.client, job.id);
      assert.equal(done.status, 'succeeded');
      await second.sim.close();
      const third = await server({ stateDir: dir });
      const r = await third.client.chat.completions.create({
        model: done.fine_tuned_model ?? '',
        messages: [{ role: 'user', content: 'hello' }],
      });
      assert.equal(r.model, done.fine_tuned_model);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  void test('two servers sharing a state directory see each other’s files, jobs and models', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-ft-shared-'));
    try {
      const a = await server({ stateDir: dir });
      const b = await server({ stateDir: dir });
      const f = await upload(a.client, GOOD_SFT);
      const job = await b.client.fineTuning.jobs.create({ model: 'josh-sim-agent', training_file: f.id });
      const done = await waitDone(a.client, job.id);
      assert.equal(done.status, 'succeeded');
      assert.deepEqual(
        (await a.client.fineTuning.jobs.list()).data.map((j) => j.id),
        (await b.client.fineTuning.jobs.list()).data.map((j) => j.id),
      );
      const r = await b.client.chat.completions.create({
        model: done.fine_tuned_model ?? '',
        messages: [{ role: 'user', content: 'hello' }],
      });
      assert.equal(r.model, done.fine_tuned_model);
      await b.client.files.delete(f.id);
      assert.ok(!(await a.client.files.list()).data.some((x) => x.id === f.id));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  void test('the server counts completions per model and per key fingerprint, never the key', async () => {
    sim.resetStats();
    await client.chat.completions.create({
      model: 'josh-sim-user',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const s = sim.stats();
    const entry = s.byModel['josh-sim-user'];
    assert.equal(entry.total, 1);
    const keys = Object.keys(entry.keys);
    assert.equal(keys.length, 1);
    assert.match(keys[0], /^sha256:[0-9a-f]{12}$/);
    assert.ok(!JSON.stringify(s).includes('"k"'));
  });
});
