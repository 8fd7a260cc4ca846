// One whole agent turn as one activity (the child shape), and a search step's turns run at once
// inside one (the activity shape's searchStep; issue 17): a turn's model calls and its tool calls
// run here, in-process, instead of one activity (and one workflow task) per model call. Tools are
// pure functions of the environment and the branch's earlier calls, so running them here changes
// no result. After each model call (and its tool call) the turn's progress is its checkpoint, which
// heartbeats carry (src/activities/checkpoint.ts): a retry resumes from it and never pays for a
// finished model call twice.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getEnvironment, type EnvironmentOptions } from '../env';
import type { LlmEndpointConfig } from '../llm/endpoint';
import { runAgentTurn, type TurnProgress } from '../josh/drive';
import { addUsage, emptyUsage, type Usage } from '../shared/messages';
import { agentCallInput, priorCalls } from '../josh/agentCall';
import { callAgentModel, checkPrompts } from './agentModel';
import { asNonRetryable } from './env';
import { runBatch, type BatchRecording } from './batch';
import { withCheckpoints } from './checkpoint';
import type { AgentTurnInput, AgentTurnOutput } from './types';

/** Failure types of a model's own answer (src/llm/errors.ts): they end the leaf, as in the
 * workflow's modelFailureMessage, which sees them wrapped in an ActivityFailure. */
const MODEL_OWN_FAILURES: ReadonlySet<string> = new Set(['LlmPermanent', 'LlmMalformed']);

/** What a turn heartbeats: its progress and the usage of the model calls that made it. */
export interface TurnCheckpoint {
  progress: TurnProgress;
  usage: Usage;
}

/** The message of a model's own failure (it ends the leaf), or null for any other failure. */
export function ownModelFailure(err: unknown): string | null {
  return err instanceof ApplicationFailure && MODEL_OWN_FAILURES.has(err.type ?? '') ? err.message : null;
}

/** The checkpoint of an earlier attempt of this activity, if its heartbeat carried one. */
export function resumedCheckpoint(details: unknown): TurnCheckpoint | undefined {
  const c = details as Partial<TurnCheckpoint> | undefined;
  const p = c?.progress;
  if (!p || !Array.isArray(p.messages) || !Array.isArray(p.calls) || typeof p.nextCall !== 'number') return;
  return { progress: p, usage: c.usage ?? emptyUsage() };
}

function loadTask(dataDir: string, envOptions: EnvironmentOptions, input: AgentTurnInput) {
  try {
    const env = getEnvironment(input.env, dataDir, envOptions);
    return { env, task: env.getTask(input.taskId) };
  } catch (e) {
    asNonRetryable(e);
  }
}

/** One turn's model and tool calls, from `resumed` if an earlier attempt got that far. `save` gets
 * its progress after each model call; `keepAlive` is what the keep-alive heartbeats during a model
 * call carry. */
async function runTurn(
  endpoint: LlmEndpointConfig,
  loaded: ReturnType<typeof loadTask>,
  input: AgentTurnInput,
  resumed: TurnCheckpoint | undefined,
  save: (c: TurnCheckpoint) => void,
  keepAlive: () => unknown,
): Promise<AgentTurnOutput> {
  const { env, task } = loaded;
  let usage = resumed?.usage ?? emptyUsage();
  const prior = input.prior ?? [];
  const turn = await runAgentTurn(
    input.history,
    input.maxCalls,
    {
      async callModel(i, history) {
        const reply = await callAgentModel(env, endpoint, agentCallInput(input, i, history), {
          heartbeatDetails: keepAlive,
        });
        usage = addUsage(usage, reply.usage);
        return reply.action;
      },
      async executeTool(call, turnCalls) {
        const calls = [...prior, ...priorCalls(turnCalls)];
        try {
          return env.executeCall(task, call.name, call.arguments, calls);
        } catch (e) {
          asNonRetryable(e); // a bad task or data file will not get better by retrying
        }
      },
      describeError: ownModelFailure,
      onProgress(progress) {
        // A copy: the turn goes on appending to its arrays while a held heartbeat waits.
        const { messages, calls, nextCall } = progress;
        save({ progress: { messages: [...messages], calls: [...calls], nextCall }, usage });
      },
    },
    resumed?.progress,
  );
  return { ...turn, usage };
}

/** One agent turn as one activity (child-shape turns, and activity-shape histories from before
 * the step activities). */
export function createAgentTurnActivity(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions = {},
) {
  return async function agentTurn(input: AgentTurnInput): Promise<AgentTurnOutput> {
    checkPrompts(input.promptsHash, envOptions.promptsFile);
    const ctx = Context.current();
    const loaded = loadTask(dataDir, envOptions, input);
    const resumed = resumedCheckpoint(ctx.info.heartbeatDetails);
    if (resumed) ctx.log.info(`agent turn resumes at model call ${resumed.progress.nextCall + 1}`);
    // The checkpoint is what every heartbeat carries, the keep-alive ones during a model call
    // included: a heartbeat without it would erase the progress the server holds.
    return withCheckpoints(resumed, (cp) =>
      runTurn(endpoint, loaded, input, resumed, (c) => cp.record(c), cp.latest),
    );
  };
}

/** The agent turns of one search step, run at once inside the current activity, with their
 * checkpoint recorded as `rec` says. */
export async function runTurnBatch(
  dataDir: string,
  endpoint: LlmEndpointConfig,
  envOptions: EnvironmentOptions,
  turns: AgentTurnInput[],
  rec: BatchRecording<AgentTurnOutput, TurnCheckpoint>,
): Promise<AgentTurnOutput[]> {
  if (turns.length === 0) return [];
  const loaded = loadTask(dataDir, envOptions, turns[0]);
  return runBatch<AgentTurnInput, AgentTurnOutput, TurnCheckpoint>({
    ...rec,
    items: turns,
    key: (t) => String(t.nodeId),
    run: (t, piece) => runTurn(endpoint, loaded, t, piece.resume, piece.save, piece.heartbeatDetails),
  });
}
