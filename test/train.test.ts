// `josh train`: the TRL scripts (written for SFT, KTO and DPO; valid Python that parses its
// arguments and checks its data before importing torch or TRL), and the OpenAI backend against the
// simulated model's fine-tuning API: a training ends with the job's model, creates its job once
// (a second create finds it), and a cancelled training cancels its job.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFinetuneActivities, WORKFLOW_ID_METADATA } from '../src/activities/finetune';
import { createTrlActivities } from '../src/activities/trainTrl';
import { exportRun } from '../src/export';
import { getTrainProgress, startTrain, waitForWorkflow } from '../src/client/training';
import { RunConflictError } from '../src/client/errors';
import { FINAL_TRAIN_MEMO, type TrainProgress } from '../src/train/api';
import { TrlOptions } from '../src/train/config';
import { fakeEnvironment, writeRun } from './fixtures/exportResults';
import { withStack } from './helpers/harvest';
import { ERROR_KINDS } from '../src/simmodel/errorModel';
import { waitUntil } from './helpers/chaos';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-train-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('TRL backend', () => {
  const runDir = writeRun();
  const trl = createTrlActivities({ runsRoot: tmp });
  const written = (format: 'trl-sft' | 'trl-kto' | 'trl-dpo') => {
    const file = path.join(tmp, `${format}.jsonl`);
    exportRun(runDir, format, {
      environment: fakeEnvironment,
      out: file,
      includePartial: true,
      warn: () => undefined,
    });
    return trl.writeTrlScript({
      trainId: `trl-${format}`,
      format,
      trainingFile: file,
      baseModel: 'Qwen/Qwen2.5-0.5B-Instruct',
      trl: TrlOptions.parse({}),
    });
  };

  for (const [format, method] of [
    ['trl-sft', 'sft'],
    ['trl-kto', 'kto'],
    ['trl-dpo', 'dpo'],
  ] as const) {
    test(`${method}: the script parses --help, and --dry-run reads the data and the paper's settings`, async () => {
      const s = await written(format);
      assert.equal(path.basename(s.path), `train_${method}.py`);
      assert.equal(s.willRun, false, 'no launcher configured: the script is only written');
      assert.match(s.command, new RegExp(`^python3 .*train_${method}\\.py --config .*trl-${method}\\.json$`));
      const help = spawnSync('python3', [s.path, '--help'], { encoding: 'utf8' });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /--dry-run/);
      const dry = spawnSync('python3', [s.path, '--dry-run'], { encoding: 'utf8' });
      assert.equal(dry.status, 0, dry.stderr);
      const out = JSON.parse(dry.stdout) as { settings: Record<string, unknown>; data: { rows: number } };
      assert.ok(out.data.rows > 0);
      assert.equal(out.settings.learning_rate, method === 'sft' ? 2e-5 : 5e-7);
      assert.equal(out.settings.num_train_epochs, method === 'sft' ? 3 : 1);
      assert.equal(out.settings.beta, 0.1);
      assert.equal(out.settings.lora, true);
      // Flags override the config.
      const qlora = spawnSync('python3', [s.path, '--dry-run', '--qlora', '--learning-rate', '1e-6'], {
        encoding: 'utf8',
      });
      const over = JSON.parse(qlora.stdout) as { settings: Record<string, unknown> };
      assert.equal(over.settings.qlora, true);
      assert.equal(over.settings.learning_rate, 1e-6);
    });
  }

  test('a malformed data line stops the script with its line number', async () => {
    const s = await written('trl-kto');
    const bad = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(bad, '{"prompt": [], "completion": [], "label": true}\n{"prompt": []}\n');
    const r = spawnSync('python3', [s.path, '--dry-run', '--data', bad], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /bad\.jsonl line 2: missing completion, label/);
  });

  test('with a launcher configured, the run streams its output to train.log and reports the tail', async () => {
    const s = await written('trl-sft');
    const launcher = path.join(tmp, 'fake-launcher.sh');
    fs.writeFileSync(launcher, '#!/bin/sh\necho "loading $1"\necho "step 1 loss 0.9" >&2\necho "saved"\n');
    fs.chmodSync(launcher, 0o755);
    const running = createTrlActivities({ runsRoot: tmp, trlCommand: launcher });
    const env = new MockActivityEnvironment();
    const r = (await env.run(running.runTrlScript, { script: s.path, config: s.config })) as {
      logFile: string;
      logTail: string[];
    };
    assert.ok(r.logTail.includes('step 1 loss 0.9') && r.logTail.includes('saved'), r.logTail.join(' | '));
    assert.ok(r.logTail.some((l) => l.startsWith('loading ') && l.endsWith('train_sft.py')));
    assert.match(fs.readFileSync(r.logFile, 'utf8'), /step 1 loss 0\.9/);
    // A failing script fails the activity for good, with its last lines.
    fs.writeFileSync(launcher, '#!/bin/sh\necho "CUDA out of memory" >&2\nexit 3\n');
    await assert.rejects(
      env.run(running.runTrlScript, { script: s.path, config: s.config }),
      /exited with 3: CUDA out of memory/,
    );
  });
});

describe('OpenAI backend on the simulated fine-tuning API', () => {
  test(
    'train, find the job again instead of creating a second, and cancel',
    { timeout: 300_000 },
    async () => {
      // The test is about training, not the search: an agent model that makes none of its
      // scripted mistakes gives successful, error-free conversations to train on, every time.
      const flawless = Object.fromEntries(ERROR_KINDS.map((kind) => [kind, 0]));
      await withStack({ simOptions: { fineTuneSecondsPerPhase: 1, errorRates: flawless } }, async (stack) => {
        const api = new OpenAI({ baseURL: `${stack.simUrl}/v1`, apiKey: 'test-key' });
        const jobsOf = async (id: string) => {
          const out = [];
          for await (const j of api.fineTuning.jobs.list({ limit: 100 })) {
            if (j.metadata?.[WORKFLOW_ID_METADATA] === id) out.push(j);
          }
          return out;
        };
        const harvestId = `train-src-${Date.now()}`;
        const h = await stack.run({
          id: harvestId,
          split: 'val',
          limit: 3,
          beamSize: 2,
          maxSteps: 6,
          userSim: 'script',
          seed: 'train-test',
        });
        assert.equal(h.done, 3);
        assert.ok(h.succeeded > 0, 'the harvest must give at least one successful conversation');

        const id = `train-ok-${Date.now()}`;
        const started = await startTrain(
          stack.client,
          { id, runDir: h.runDir, pollSeconds: 0.3 },
          stack.taskQueue,
        );
        assert.equal(started.outcome, 'started');
        const p = await waitForWorkflow<TrainProgress>(stack.client, id);
        assert.equal(p.status, 'succeeded', p.error ?? '');
        assert.ok(p.examples > 0);
        assert.match(p.fineTunedModel ?? '', /^ft:sim-agent:josh-sim:josh-[0-9a-f]{8}:/);
        assert.ok(p.polls >= 2, `a job that takes 3 s was looked at ${p.polls} times`);
        assert.ok(p.events.length > 0, 'the job events are in the progress');
        assert.equal((await jobsOf(id)).length, 1);
        assert.ok(fs.existsSync(path.join(stack.runsRoot, id, 'train.json')));
        // The same id again: the finished training, not a second job.
        assert.equal(
          // The default format named explicitly is the same training.
          (await startTrain(stack.client, { id, runDir: h.runDir, format: 'openai-sft' }, stack.taskQueue))
            .outcome,
          'already-done',
        );
        // ... but not with other settings, which it would silently ignore (pollSeconds does not count).
        await assert.rejects(
          startTrain(stack.client, { id, runDir: h.runDir, baseModel: 'other-base' }, stack.taskQueue),
          (e: unknown) =>
            e instanceof RunConflictError &&
            /^run train-ok-\d+ exists with other settings: baseModel sim-agent → other-base \(recorded → requested; ignored: pollSeconds, outDir\)/.test(
              e.message,
            ),
        );
        // A create retried after the job was made (the attempt died before reporting) finds it.
        const fin = createFinetuneActivities({
          dataDir: stack.dataDir,
          runsRoot: stack.runsRoot,
          llm: { baseURL: `${stack.simUrl}/v1`, apiKey: 'test-key', timeoutMs: 30_000, simulated: false },
        });
        const again = await fin.createFineTuneJob({
          trainId: id,
          fileId: p.fileId!,
          baseModel: 'sim-agent',
          method: 'supervised',
          hyperparameters: {},
          suffix: 'x',
        });
        assert.deepEqual([again.jobId, again.reused], [p.jobId, true]);
        assert.equal((await jobsOf(id)).length, 1);
        // With a models file the fine-tuning API is the base model's endpoint, not the default
        // one (here a closed port): the model's entry finds the same job there, under the name
        // the endpoint knows.
        const routed = createFinetuneActivities({
          dataDir: stack.dataDir,
          runsRoot: stack.runsRoot,
          llm: {
            baseURL: 'http://127.0.0.1:9/v1',
            apiKey: 'default-key',
            timeoutMs: 30_000,
            simulated: false,
            models: {
              'my-agent': {
                name: 'my-agent',
                baseURL: `${stack.simUrl}/v1`,
                apiKey: 'test-key',
                upstreamModel: 'sim-agent',
                extra: {},
              },
            },
          },
        });
        const viaModels = await routed.createFineTuneJob({
          trainId: id,
          fileId: p.fileId!,
          baseModel: 'my-agent',
          method: 'supervised',
          hyperparameters: {},
          suffix: 'x',
        });
        assert.deepEqual([viaModels.jobId, viaModels.reused], [p.jobId, true]);
        const look = await routed.pollFineTuneJob({
          jobId: p.jobId!,
          afterEventId: null,
          baseModel: 'my-agent',
        });
        assert.equal(look.fineTunedModel, p.fineTunedModel);

        // Backend trl through the workflow: without a launcher on the worker, it ends with the
        // script and the command that runs it.
        const tid = `train-trl-${Date.now()}`;
        await startTrain(
          stack.client,
          { id: tid, runDir: h.runDir, backend: 'trl', format: 'trl-kto', includePartial: true },
          stack.taskQueue,
        );
        const t = await waitForWorkflow<TrainProgress>(stack.client, tid);
        assert.equal(t.status, 'script-written');
        assert.ok(t.script && fs.existsSync(t.script.path) && fs.existsSync(t.script.config));
        assert.equal(t.script.command, `python3 ${t.script.path} --config ${t.script.config}`);
        const dry = spawnSync('python3', [t.script.path, '--dry-run'], { encoding: 'utf8' });
        assert.equal(dry.status, 0, dry.stderr);
        assert.equal((JSON.parse(dry.stdout) as { data: { rows: number } }).data.rows, t.examples);

        // Cancelling the workflow cancels the job at the server.
        const cid = `train-cancel-${Date.now()}`;
        await startTrain(stack.client, { id: cid, runDir: h.runDir, pollSeconds: 0.3 }, stack.taskQueue);
        await waitUntil(
          'the job to exist',
          async () => (await getTrainProgress(stack.client, cid)).jobId !== null,
          60_000,
        );
        await stack.client.workflow.getHandle(cid).cancel();
        const c = await waitForWorkflow<TrainProgress>(stack.client, cid, FINAL_TRAIN_MEMO);
        assert.equal(c.status, 'cancelled');
        const [job] = await jobsOf(cid);
        assert.equal(job.status, 'cancelled');
      });
    },
  );
});
