// Activities that own the run directory: one JSON file per finished conversation, written
// atomically under a deterministic name, and harvest.json with the config and summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { writeFileAtomic } from '../util/atomicWrite';
import { DEFAULT_ENV, environmentPlugin } from '../env/registry';
import { expandResult, summarize } from '../josh/result';
import { configDifferences } from '../config/settingsDiff';
import type { RunConfig } from '../config/run';
import type { ConversationResult } from '../shared/results';
import { dirOwner } from '../util/dirOwner';
import type {
  ConversationSummary,
  PriorConversationInput,
  PriorConversationOutput,
  ReadResultInput,
  RunLocation,
  WriteResultInput,
} from './types';

export function runDirOf(runsRoot: string, loc: RunLocation): string {
  return path.resolve(loc.outDir ?? path.join(runsRoot, loc.runId));
}

/** A conversation's result file name, as its environment names task ids as files (inputs from
 * before environments were plug-ins name none: ToolWOZ). */
export function conversationFileName(env: string | undefined, taskId: string, trial: number): string {
  const stem = environmentPlugin(env ?? DEFAULT_ENV).taskFileName(taskId);
  return `${stem}${trial > 0 ? `~t${trial}` : ''}.json`;
}

function badRunInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: 'BadRunInput', nonRetryable: true });
}

/** The summary of a written result file, or null when there is none. A file that is there but
 * does not parse was not written by us (writes are atomic): say so rather than run it again. */
function readResultFile(file: string): ConversationSummary | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return summarize(JSON.parse(text) as ConversationResult);
  } catch (err) {
    throw badRunInput(
      `${file}: not a conversation result (${(err as Error).message}); move it away to run that conversation again`,
    );
  }
}

/** Whether `file` holds exactly `text` (false when there is no file). */
function hasContent(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export function createRunDirActivities(runsRoot: string) {
  const resultFile = (input: ReadResultInput): string =>
    path.join(
      runDirOf(runsRoot, input),
      'conversations',
      conversationFileName(input.env, input.taskId, input.trial),
    );

  return {
    async writeResult(input: WriteResultInput): Promise<ConversationSummary> {
      const full = expandResult(input.result);
      const file = path.join(
        runDirOf(runsRoot, input),
        'conversations',
        conversationFileName(full.env, full.taskId, full.trial),
      );
      const text = JSON.stringify(full, null, 1) + '\n';
      // A retry whose earlier attempt wrote the file but never reported it (its worker killed
      // between the rename and the completion) carries the same result: the file stays as it is,
      // since a run never rewrites its own finished files.
      if (!hasContent(file, text)) writeFileAtomic(file, text);
      return summarize(full);
    },

    /** A conversation finished in an earlier execution of this run: read its summary back. */
    async readResult(input: ReadResultInput): Promise<ConversationSummary | null> {
      return readResultFile(resultFile(input));
    },

    /** A conversation whose start was refused because its workflow id exists (it is running, or
     * it completed): its result if written, else where its workflow stands. */
    async priorConversation(input: PriorConversationInput): Promise<PriorConversationOutput> {
      const file = resultFile(input);
      const result = readResultFile(file);
      if (result) return { result, status: null, file };
      try {
        const d = await Context.current().client.workflow.getHandle(input.workflowId).describe();
        return { result: null, status: d.status.name, file };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { result: null, status: null, file };
        throw err;
      }
    },

    /** Write harvest.json (config without secrets — the config schema holds none — and status).
     * A run's first manifest must not take over a directory that holds another run's data. */
    async writeRunManifest(input: RunLocation & { manifest: Record<string, unknown> }): Promise<string> {
      const dir = runDirOf(runsRoot, input);
      const file = path.join(dir, 'harvest.json');
      // A training's or a campaign's directory (train.json, loop.json) is not a run's to take.
      const owner = dirOwner(dir);
      if (owner && owner.kind !== 'run') {
        const id = (input.manifest.config as RunConfig | undefined)?.id ?? '(this run)';
        throw badRunInput(
          `${dir} holds ${owner.kind} ${owner.id}: run ${id} needs a directory of its own (another outDir)`,
        );
      }
      if (input.manifest.status === 'running') refuseOtherSettings(file, input.manifest.config as RunConfig);
      writeFileAtomic(file, JSON.stringify(input.manifest, null, 2) + '\n');
      return dir;
    },
  };
}

/** A restart (or a new run under an old id) with settings that would change the data is refused:
 * its conversations would be mixed with the recorded ones. */
function refuseOtherSettings(file: string, config: RunConfig | undefined): void {
  if (!config || !fs.existsSync(file)) return;
  let recorded: { config?: RunConfig };
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as { config?: RunConfig };
  } catch (err) {
    throw badRunInput(`${file}: not a run manifest (${(err as Error).message})`);
  }
  if (!recorded.config) return;
  if (recorded.config.id !== config.id) {
    throw badRunInput(
      `${path.dirname(file)} holds run ${recorded.config.id}: run ${config.id} needs a directory of its own (another outDir)`,
    );
  }
  const diff = configDifferences(recorded.config as unknown as Record<string, unknown>, config);
  if (diff.length > 0) {
    const shown = diff.map(
      (d) => `${d.field} ${JSON.stringify(d.recorded)} → ${JSON.stringify(d.requested)}`,
    );
    throw badRunInput(
      `${path.dirname(file)} holds run ${recorded.config.id} with other settings (${shown.join(', ')}; recorded → requested): ` +
        `use another id, or the same settings to resume it`,
    );
  }
}
