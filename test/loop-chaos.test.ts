// A campaign survives its worker being killed (SIGKILL, a real `josh worker` process) in every
// phase: during round 0's eval, round 1's harvest, the start of its fine-tuning (export, upload,
// job creation), the fine-tuning wait, and round 1's eval. It still ends `done`, with one
// fine-tuning job (counted at the simulated server), and pays no model call twice beyond the calls
// that were on the wire when a worker died: every call the simulated model served is in a result
// file, but for those. No model call at all is made while the fine-tuning job runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { WORKFLOW_ID_METADATA } from '../src/activities/finetune';
import { resolveDataDir } from '../src/env/dataDir';
import { createSimModelServer } from '../src/simmodel';
import { getLoopProgress, getTrainProgress, startLoop, waitForWorkflow } from '../src/client/training';
import type { LoopConfigInput } from '../src/train/config';
import { FINAL_LOOP_MEMO, type LoopProgress } from '../src/train/loopApi';
import { killHard, sleep, spawnWorker, type WorkerProcess } from './helpers/chaos';
import { testAddress, testClient, uniqueTaskQueue } from './helpers/temporal';
import { callsInResults } from './helpers/resultCalls';

const dataDir = resolveDataDir();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-loop-chaos-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const CONCURRENCY = 3;
const SETTINGS: Omit<LoopConfigInput, 'id'> = {
  trainSplit: 'val',
  testSplit: 'test',
  trainLimit: 4,
  testLimit: 4,
  rounds: 1,
  minImprovement: -1,
  beamSize: 4,
  branching: 2,
  concurrency: CONCURRENCY,
  pollSeconds: 0.5,
  seed: 'loop-chaos',
};

const resultCount = (runDir: string): number => {
  const dir = path.join(runDir, 'conversations');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).length : 0;
};

test(
  'a worker killed in each phase of a campaign: done, one job, no call paid twice',
  { timeout: 600_000 },
  async () => {
    // Each phase of the simulated job lasts 4 s: a wait long enough to kill a worker in.
    const model = await createSimModelServer({ port: 0, dataDir, fineTuneSecondsPerPhase: 4 });
    const taskQueue = uniqueTaskQueue('loop-chaos');
    const runsDir = path.join(tmp, 'runs');
    const options: Parameters<typeof spawnWorker>[0] = {
      address: testAddress(),
      taskQueue,
      modelUrl: `${model.url}/v1`,
      runsDir,
      dataDir,
      logFile: path.join(tmp, 'worker.log'),
      args: ['--shutdown-grace', '1'],
    };
    let worker: WorkerProcess = spawnWorker(options);
    cleanups.push(async () => {
      await killHard(worker);
      await model.close();
    });
    await worker.ready;
    const client = await testClient();
    const id = `loop-chaos-${Date.now()}`;
    await startLoop(client, { ...SETTINGS, id }, taskQueue);
    const calls = (): number => model.stats().requests.total;
    const kills: { phase: string; callsAt: number }[] = [];
    const kill = async (phase: string): Promise<void> => {
      kills.push({ phase, callsAt: calls() });
      await killHard(worker);
      worker = spawnWorker(options);
      await worker.ready;
    };
    /** Kills once per phase, at a moment inside it: the loop's phase says which, the files or the
     * job say when. */
    const plan: { name: string; at: () => Promise<boolean> }[] = [
      { name: 'round 0: eval', at: async () => resultCount(path.join(runsDir, `${id}-r0-eval`)) >= 1 },
      { name: 'round 1: harvest', at: async () => resultCount(path.join(runsDir, `${id}-r1-harvest`)) >= 2 },
      { name: 'round 1: fine-tune', at: async () => true },
      {
        name: 'round 1: fine-tune',
        at: async () => {
          const t = await getTrainProgress(client, `${id}-r1-train`).catch(() => null);
          return (
            t !== null && t.jobId !== null && ['validating_files', 'queued', 'running'].includes(t.status)
          );
        },
      },
      { name: 'round 1: eval', at: async () => resultCount(path.join(runsDir, `${id}-r1-eval`)) >= 1 },
    ];
    const until = Date.now() + 540_000;
    for (const step of plan) {
      for (;;) {
        assert.ok(Date.now() < until, `timed out waiting to kill in ${step.name}`);
        const p = await getLoopProgress(client, id).catch(() => null);
        if (p && p.status !== 'running') assert.fail(`the campaign ended (${p.status}) before ${step.name}`);
        if (p?.phase.startsWith(step.name) && (await step.at())) break;
        await sleep(100);
      }
      await kill(step.name);
    }
    const p = await waitForWorkflow<LoopProgress>(client, id, FINAL_LOOP_MEMO);
    assert.equal(p.status, 'done', p.stopReason ?? '');
    assert.equal(p.completed.length, 1);
    const round = p.completed[0];
    assert.equal(round.train?.status, 'succeeded');
    // One job, for all the kills around its creation and wait.
    const api = new OpenAI({ baseURL: `${model.url}/v1`, apiKey: 'x' });
    const jobs = [];
    for await (const j of api.fineTuning.jobs.list({ limit: 100 })) jobs.push(j);
    assert.equal(
      jobs.length,
      1,
      `jobs at the server: ${jobs.map((j) => `${j.id} ${j.metadata?.[WORKFLOW_ID_METADATA]}`).join(', ')}`,
    );
    assert.equal(jobs[0].fine_tuned_model, round.train?.fineTunedModel);
    // No model call while the job was being made and trained: the two fine-tune kills saw the same count.
    const [ftStart, ftWait] = kills.filter((k) => k.phase === 'round 1: fine-tune');
    assert.equal(ftWait.callsAt, ftStart.callsAt, 'model calls during the fine-tuning phase');
    // Every call served is in a result file, but for those on the wire when a worker died in a
    // phase with conversations running (at most one per running agent turn).
    const repaid = calls() - callsInResults(runsDir);
    const llmKills = kills.filter((k) => !k.phase.includes('fine-tune')).length;
    process.stderr.write(`loop chaos: ${kills.length} kills, ${calls()} model calls, ${repaid} paid twice\n`);
    assert.ok(repaid >= 0, `${repaid}: fewer calls than the results record`);
    assert.ok(repaid <= llmKills * CONCURRENCY * 2, `${repaid} calls paid twice after ${llmKills} kills`);
  },
);
