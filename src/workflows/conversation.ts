// One conversation = one JOSH search over one task (spec 2). This workflow only orchestrates:
// the step loop and state transitions are the pure code of src/josh (drive.ts, search.ts). In the
// run's `turns` shape, either each agent turn is a child workflow and a step's user replies are
// one activity (`child`), or each whole step is one activity whose results this workflow applies
// (`activity`; issue 17). Conversations from before the step activities run one per leaf.
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { agentTurnWorkflow, type AgentTurnInput, type AgentTurnOutput } from './agentTurn';
import type { SearchStepOutput, TurnSettings } from '../activities/types';
import { leafTurnInput, priorCalls } from '../josh/agentCall';
import {
  LOCAL_CHEAP_ACTIVITIES,
  llm,
  llmOptions,
  local,
  localOptions,
  main,
  mainOptions,
  stepOptions,
  turnOptions,
} from './proxies';
import {
  createSearch,
  finalLeaf,
  liveLeaves,
  pathAgentTexts,
  pathCalls,
  progress,
  type Search,
} from '../josh/search';
import {
  perLeaf,
  runSearchLoop,
  runSearchStep,
  type LeafReply,
  type LeafView,
  type SearchEffects,
  type StopReason,
} from '../josh/drive';
import type { CompactResult, ConversationSummary } from '../josh/result';
import type { RunConfig } from '../config/run';
import { effectiveSearch } from '../config/search';
import { getScoring } from '../env/scoring';
import {
  addUsage,
  emptyUsageByRole,
  type CallMade,
  type Message,
  type UsageByRole,
} from '../shared/messages';
import { SA } from '../shared/searchAttributes';
import { modelFailureMessage } from './failures';

/** Patch id of the final reward computed by an activity (stateful environments' data). */
const FINAL_REWARD = 'final-reward-activity';
/** Patch id of one activity per search step (user replies; agent turns in the `activity` shape). */
const STEP_BATCHES = 'one-activity-per-search-step';

/** The run config without the task list (which can be long and every child would repeat), and
 * the prompts hash the run recorded (provenance; absent in histories from before it). */
export type ConversationConfig = Omit<RunConfig, 'taskIds'> & { promptsHash?: string };

export interface ConversationInput {
  config: ConversationConfig;
  taskId: string;
  trial: number;
}

export async function conversationWorkflow(input: ConversationInput): Promise<ConversationSummary> {
  const { config, taskId, trial } = input;
  const wfId = workflowInfo().workflowId;
  const startedAt = new Date().toISOString();
  const usage: UsageByRole = emptyUsageByRole();
  const params = effectiveSearch(config as RunConfig);

  const task = await main.loadTask.executeWithOptions(mainOptions(`load task ${taskId}`), [
    { env: config.env, taskId },
  ]);

  // One activity per search step for the LLM user's replies and, in the `activity` shape, for the
  // agent turns (issue 17); conversations started before it replay one activity per leaf.
  const stepBatches = patched(STEP_BATCHES);
  const userCommon = {
    env: config.env,
    taskId,
    userSim: config.userSim,
    model: config.userModel,
    promptsHash: config.promptsHash,
  };
  const userSummary = (nodes: number[]) => `user ${config.userSim} ${config.userModel} (${nodeList(nodes)})`;

  const userReply = async (nodeId: number, conversation: Message[]): Promise<string> => {
    const summary = userSummary([nodeId]);
    const args = [{ ...userCommon, conversation }] as const;
    const out =
      config.userSim !== 'script'
        ? await llm().userTurn.executeWithOptions(llmOptions(summary), [...args])
        : patched(LOCAL_CHEAP_ACTIVITIES)
          ? await local.scriptedUserTurn.executeWithOptions(localOptions(summary), [...args])
          : await main.scriptedUserTurn.executeWithOptions(mainOptions(summary), [...args]);
    usage.user = addUsage(usage.user, out.usage);
    return out.text;
  };

  const agentTurn = async (nodeId: number, step: number, history: Message[]): Promise<AgentTurnOutput> => {
    // `wholeTurn`: the agent-turn child hands the turn to one activity (see AgentTurnInput).
    const turnInput: AgentTurnInput = {
      ...leafTurnInput(turnSettings(input), step, nodeId, history, pathCalls(s, nodeId)),
      wholeTurn: true,
    };
    // The turn shape (issue 17): a child workflow per turn (the default; histories from before
    // the option have none), or the whole-turn activity run by this workflow directly.
    const turn =
      config.turns === 'activity'
        ? await llm().agentTurn.executeWithOptions(
            turnOptions(config.maxAgentCallsPerTurn, `agent turn: step ${step}, node ${nodeId}`),
            [turnInput],
          )
        : await runAgentTurnChild(input, step, nodeId, turnInput);
    usage.agent = addUsage(usage.agent, turn.usage);
    return turn;
  };

  // Per leaf: the child shape's turns always, and everything in histories from before the batches.
  // Only the user model's own failure ends a leaf; a cancel or an outage ends the search.
  const leafEffects = perLeaf({ agentTurn, userReply, endsLeaf: (err) => modelFailureMessage(err) !== null });

  // A step's replies as an activity returned them: a leaf's text (its usage counted) or its error.
  const userRepliesOf = (replies: SearchStepOutput['replies']): LeafReply[] =>
    replies.map((r) => {
      if ('error' in r) return { error: r.error };
      usage.user = addUsage(usage.user, r.usage);
      return { text: r.text };
    });

  // The `child` shape: each turn its own child workflow; a step's LLM user replies one activity.
  const effects: SearchEffects = !stepBatches
    ? leafEffects
    : {
        agentTurns: leafEffects.agentTurns,
        async userReplies(leaves) {
          // The scripted user needs no model: its replies stay local activities.
          if (config.userSim === 'script') return leafEffects.userReplies(leaves);
          const out = await llm().userReplies.executeWithOptions(
            stepOptions(1, userSummary(leaves.map((l) => l.nodeId))),
            [{ ...userCommon, leaves: leaves.map((l) => ({ nodeId: l.nodeId, conversation: l.history })) }],
          );
          return userRepliesOf(out.replies);
        },
      };
  const opening = await userReply(0, []);
  const s: Search = createSearch(opening, task.goalCalls.length);
  const scoring = getScoring(config.env);
  const score = (remaining: number[], calls: CallMade[]) =>
    scoring.turnReward(task.goalCalls, remaining, calls);

  /** The `activity` shape: each step is one searchStep activity, which runs the step's agent
   * turns, reward check and user replies on a copy of the search; this workflow then applies what
   * they returned with the same transitions, so its search is the record. */
  async function runActivitySteps(): Promise<StopReason> {
    for (;;) {
      if (s.step >= params.maxSteps) return 'max-steps';
      const out = await llm().searchStep.executeWithOptions(
        stepOptions(config.maxAgentCallsPerTurn, `search step ${s.step + 1} from ${nodeList(liveLeaves(s))}`),
        [
          {
            search: { ...s, harvest: [], harvestKeys: [] },
            params,
            goalCalls: task.goalCalls,
            turn: turnSettings(input),
            user: userCommon,
          },
        ],
      );
      const stop = await runSearchStep(s, params, score, {
        agentTurns(_step, leaves) {
          sameLeaves(leaves, out.turnLeaves, 'agent turns');
          for (const t of out.turns) usage.agent = addUsage(usage.agent, t.usage);
          return Promise.resolve(out.turns);
        },
        userReplies(leaves) {
          sameLeaves(leaves, out.replyLeaves, 'user replies');
          return Promise.resolve(userRepliesOf(out.replies));
        },
      });
      if (stop) return stop;
    }
  }

  const stopReason =
    stepBatches && config.turns === 'activity'
      ? await runActivitySteps()
      : await runSearchLoop(s, params, score, effects);

  const finalNodeId = finalLeaf(s);
  // The environment's final reward of the scored path, where its data is (τ-bench replays the
  // gold actions on its database); histories from before it scored in the workflow.
  const finalReward = patched(FINAL_REWARD)
    ? await local.finalReward.executeWithOptions(localOptions('final reward'), [
        {
          env: config.env,
          taskId,
          calls: priorCalls(pathCalls(s, finalNodeId)),
          agentTexts: pathAgentTexts(s, finalNodeId),
        },
      ])
    : undefined;
  // JOSH reports its progress reward; a single rollout is scored on its whole conversation (4.6).
  const reward =
    config.mode === 'harvest'
      ? progress(s).reward
      : (finalReward?.reward ?? scoring.conversationReward(task.goalCalls, pathCalls(s, finalNodeId)).reward);
  const success = reward === 1;
  const result: CompactResult = {
    runId: config.id,
    mode: config.mode,
    env: config.env,
    taskId,
    trial,
    reward,
    success,
    goalCount: task.goalCalls.length,
    steps: s.step,
    branches: s.nodes.length - 1,
    agentStrategy: config.agentStrategy,
    opening,
    stopReason,
    nodes: s.nodes,
    harvest: s.harvest,
    finalNodeId,
    ...(finalReward ? { finalReward } : {}),
    usage,
    startedAt,
    finishedAt: new Date().toISOString(),
    workflowId: wfId,
  };
  // A finished search is written even if a cancel arrives now: its model calls are paid, and a
  // restart of the run reads the file back instead of paying for them again.
  const summary = await CancellationScope.nonCancellable(() =>
    main.writeResult.executeWithOptions(mainOptions(`write result ${taskId}`), [
      { runId: config.id, outDir: config.outDir, result },
    ]),
  );
  upsertSearchAttributes([
    { key: SA.reward, value: reward },
    { key: SA.success, value: success },
    { key: SA.status, value: 'done' },
  ]);
  return summary;
}

/** What every agent turn of a conversation shares. */
function turnSettings(input: ConversationInput): TurnSettings {
  const { config, taskId, trial } = input;
  return {
    seedRoot: config.seed ?? config.id,
    env: config.env,
    taskId,
    trial,
    model: config.agentModel,
    temperature: config.agentTemperature,
    strategy: config.agentStrategy,
    maxCalls: config.maxAgentCallsPerTurn,
    promptsHash: config.promptsHash,
  };
}

async function runAgentTurnChild(
  input: ConversationInput,
  step: number,
  nodeId: number,
  turnInput: AgentTurnInput,
): Promise<AgentTurnOutput> {
  const { config, taskId } = input;
  const info = workflowInfo();
  // No catch: the child records its model's own failures on the turn (and returns); whatever
  // else fails it — a cancel, a tool activity out of retries — ends this conversation too.
  return await executeChild(agentTurnWorkflow, {
    workflowId: `${info.workflowId}/s${step}/n${nodeId}`,
    staticSummary: `agent turn: step ${step}, node ${nodeId}`,
    typedSearchAttributes: [
      { key: SA.kind, value: 'turn' },
      { key: SA.harvestId, value: config.id },
      { key: SA.taskId, value: taskId },
    ],
    args: [turnInput],
  });
}

/** "node 5" or "nodes 5, 6, 7": which leaves an activity serves, for its summary in the Web UI. */
function nodeList(nodes: number[]): string {
  return nodes.length === 1 ? `node ${nodes[0]}` : `nodes ${nodes.join(', ')}`;
}

/** The step this workflow applies must be the step the activity ran: the same leaves took turns
 * and got replies. A difference is a bug (the two ran different transitions); it stops the
 * conversation loudly rather than mixing two searches. */
function sameLeaves(leaves: LeafView[], ran: number[], what: string): void {
  const mine = leaves.map((l) => l.nodeId);
  if (mine.length === ran.length && mine.every((id, i) => id === ran[i])) return;
  throw ApplicationFailure.nonRetryable(
    `search step mismatch: this workflow's ${what} are for nodes [${mine.join(', ')}], the activity's for [${ran.join(', ')}]`,
    'SearchStepMismatch',
  );
}
