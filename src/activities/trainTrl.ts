// The TRL backend's activities: write the script and its config next to the exported file, and,
// when the worker has a command for it (JOSH_TRL_COMMAND, e.g. `python3` or `accelerate launch`),
// run it as a heartbeating activity whose output streams to train.log and the worker's log.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TrlOptions } from '../train/config';
import { trlMethodOf, trlScript, trlSettings } from '../train/trlScript';
import { writeFileAtomic } from '../util/atomicWrite';
import { seedOf } from '../util/hash';
import { trainDirOf } from './finetune';

export interface TrlScriptOutput {
  path: string;
  config: string;
  command: string;
  outputDir: string;
  /** This worker has a command configured and will run the script. */
  willRun: boolean;
}

/** A shell word, quoted only when it must be. */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function createTrlActivities(deps: { runsRoot: string; trlCommand?: string }) {
  const launcher = (deps.trlCommand ?? '').trim().split(/\s+/).filter(Boolean);
  return {
    async writeTrlScript(input: {
      trainId: string;
      outDir?: string;
      format: string;
      trainingFile: string;
      baseModel: string;
      trl: TrlOptions;
      seed?: number;
    }): Promise<TrlScriptOutput> {
      const dir = trainDirOf(deps.runsRoot, input.trainId, input.outDir);
      const method = trlMethodOf(input.format);
      const script = path.join(dir, `train_${method}.py`);
      const config = path.join(dir, `trl-${method}.json`);
      const outputDir = path.join(dir, 'model');
      const settings = trlSettings(method, input.trl, {
        data: path.resolve(input.trainingFile),
        model: input.baseModel,
        outputDir,
        seed: input.seed ?? seedOf(input.trainId),
      });
      writeFileAtomic(config, JSON.stringify(settings, null, 2) + '\n');
      writeFileAtomic(script, trlScript(method, config));
      fs.chmodSync(script, 0o755);
      const words = [...(launcher.length ? launcher : ['python3']), script, '--config', config];
      return {
        path: script,
        config,
        command: words.map(shellWord).join(' '),
        outputDir,
        willRun: launcher.length > 0,
      };
    },

    /** Runs the script; its output goes to train.log. Heartbeats the last lines; a cancel kills it. */
    async runTrlScript(input: {
      script: string;
      config: string;
    }): Promise<{ logFile: string; logTail: string[] }> {
      if (!launcher.length) {
        throw ApplicationFailure.create({
          message: 'no JOSH_TRL_COMMAND on this worker: run the script by hand',
          type: 'BadRunInput',
          nonRetryable: true,
        });
      }
      const ctx = Context.current();
      const logFile = path.join(path.dirname(input.script), 'train.log');
      const log = fs.openSync(logFile, 'a');
      const tail: string[] = [];
      const child = spawn(launcher[0], [...launcher.slice(1), input.script, '--config', input.config], {
        cwd: path.dirname(input.script),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let partial = '';
      const take = (chunk: Buffer): void => {
        fs.writeSync(log, chunk);
        const lines = (partial + chunk.toString()).split(/\r?\n|\r/);
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          tail.push(line);
          ctx.log.info(`trl: ${line}`);
        }
        if (tail.length > 20) tail.splice(0, tail.length - 20);
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      const beat = setInterval(() => ctx.heartbeat({ logTail: tail.slice(-5) }), 5_000);
      const onCancel = ctx.cancelled.catch(() => child.kill('SIGTERM'));
      try {
        const code = await new Promise<number | null>((resolve, reject) => {
          child.once('error', reject);
          child.once('exit', (c) => resolve(c));
        });
        if (partial.trim()) tail.push(partial);
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure('training cancelled');
        if (code !== 0) {
          throw ApplicationFailure.create({
            message: `the TRL script exited with ${code}: ${tail.slice(-3).join(' | ')}`,
            type: 'TrlFailed',
            nonRetryable: true,
          });
        }
        return { logFile, logTail: tail.slice(-20) };
      } finally {
        clearInterval(beat);
        void onCancel;
        fs.closeSync(log);
      }
    },
  };
}
