// Activities that own the run directory: one JSON file per finished conversation, written
// atomically under a deterministic name, and harvest.json with the config and summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import { expandResult, summarize } from '../josh/result';
import type { ConversationResult } from '../shared/results';
import type { ConversationSummary, ReadResultInput, RunLocation, WriteResultInput } from './types';

export function runDirOf(runsRoot: string, loc: RunLocation): string {
  return path.resolve(loc.outDir ?? path.join(runsRoot, loc.runId));
}

export function conversationFileName(taskId: string, trial: number): string {
  return `${taskId.replace(/\.json$/, '')}${trial > 0 ? `~t${trial}` : ''}.json`;
}

export function createRunDirActivities(runsRoot: string) {
  return {
    async writeResult(input: WriteResultInput): Promise<ConversationSummary> {
      const full = expandResult(input.result);
      const file = path.join(
        runDirOf(runsRoot, input),
        'conversations',
        conversationFileName(full.taskId, full.trial),
      );
      writeFileAtomic(file, JSON.stringify(full, null, 1) + '\n');
      return summarize(full);
    },

    /** A conversation finished in an earlier run of this harvest: read its summary back. */
    async readResult(input: ReadResultInput): Promise<ConversationSummary | null> {
      const file = path.join(
        runDirOf(runsRoot, input),
        'conversations',
        conversationFileName(input.taskId, input.trial),
      );
      if (!fs.existsSync(file)) return null;
      return summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as ConversationResult);
    },

    /** Write harvest.json (config without secrets — the config schema holds none — and status). */
    async writeRunManifest(input: RunLocation & { manifest: Record<string, unknown> }): Promise<string> {
      const dir = runDirOf(runsRoot, input);
      writeFileAtomic(path.join(dir, 'harvest.json'), JSON.stringify(input.manifest, null, 2) + '\n');
      return dir;
    },
  };
}
