// The training's export step (no Temporal needed: it is a plain function of the run directory):
// a run with nothing to train on fails for good and leaves no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { createFinetuneActivities } from '../src/activities/finetune';
import { resolveDataDir } from '../src/env/dataDir';
import { failed, successful, writeRun } from './fixtures/exportResults';

function activities(runsRoot: string) {
  return createFinetuneActivities({
    dataDir: resolveDataDir(),
    runsRoot,
    llm: { baseURL: 'http://127.0.0.1:1/v1', apiKey: 'k', timeoutMs: 1_000, simulated: false },
  });
}

void test('a run without a successful conversation: NoTrainingData, and no empty export file beside it', async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-train-export-'));
  const input = {
    trainId: 't0',
    runDir: writeRun([failed]),
    format: 'openai-sft' as const,
    includePartial: false,
  };
  await assert.rejects(
    activities(runsRoot).exportTrainingData(input),
    (e: unknown) => e instanceof ApplicationFailure && e.type === 'NoTrainingData' && e.nonRetryable === true,
  );
  // It used to leave runs/t0/openai-sft.jsonl, 0 bytes, which reads as training data.
  assert.deepEqual(fs.readdirSync(path.join(runsRoot, 't0')), []);

  // The same step with one successful conversation writes its example.
  const ok = await activities(runsRoot).exportTrainingData({
    ...input,
    trainId: 't1',
    runDir: writeRun([successful, failed]),
  });
  assert.equal(ok.examples, 1);
  assert.equal(fs.readFileSync(ok.file, 'utf8').trim().split('\n').length, 1);
});

void test("the export step refuses a training directory that holds other work (workers elsewhere than the CLI's check)", async () => {
  const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-train-export-'));
  fs.mkdirSync(path.join(runsRoot, 'h1'));
  fs.writeFileSync(path.join(runsRoot, 'h1', 'harvest.json'), '{"config": {"id": "h1"}}');
  const before = fs.readdirSync(path.join(runsRoot, 'h1'));
  await assert.rejects(
    activities(runsRoot).exportTrainingData({
      trainId: 'h1',
      runDir: writeRun([successful]),
      format: 'openai-sft',
      includePartial: false,
    }),
    (e: unknown) =>
      e instanceof ApplicationFailure &&
      e.type === 'BadRunInput' &&
      /h1 holds run h1: training h1 needs a directory of its own/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(path.join(runsRoot, 'h1')), before);
});
