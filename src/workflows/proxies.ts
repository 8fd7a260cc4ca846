// Activity proxies and their retry policies. LLM activities go to the LLM task queue; transient
// model errors are retried with backoff (Retry-After honoured via nextRetryDelay), permanent ones
// are non-retryable (see src/llm/errors.ts).
import {
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { LlmActivities, MainActivities } from '../activities';
import { llmQueueFor } from '../shared/taskQueues';

const LLM_BASE: ActivityOptions = {
  // The client's own timeout (JOSH_LLM_TIMEOUT_MS) ends a slow call first; the activity
  // heartbeats while it waits, so a worker that dies mid-call is noticed in seconds.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToCloseTimeout: '60 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '60 seconds',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['LlmPermanent', 'LlmMalformed', 'BadRunInput'],
  },
};

export const MAIN_OPTIONS: ActivityOptions = {
  // Tool calls and file writes take milliseconds; a short timeout is how a dead worker's
  // activity gets retried elsewhere quickly.
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['BadRunInput'],
  },
};

/**
 * Tool calls and the scripted user are in-memory work of a millisecond: they run as local
 * activities, inside the workflow task that asked for them, instead of a round trip through the
 * task queue (an activity task plus another workflow task each). Same timeout and retries; if the
 * worker dies meanwhile, the workflow task is retried on another worker and they run again there.
 */
export const LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: MAIN_OPTIONS.startToCloseTimeout,
  retry: MAIN_OPTIONS.retry,
};
/** Patch id of that change, so histories recorded before it still replay (see `patched`). */
export const LOCAL_CHEAP_ACTIVITIES = 'local-tool-and-script-activities';

export function localOptions(summary?: string): LocalActivityOptions {
  return { ...LOCAL_OPTIONS, summary };
}

/** LLM activity options for the current workflow: its own queue's LLM twin. */
export function llmOptions(summary?: string): ActivityOptions {
  return { ...LLM_BASE, taskQueue: llmQueueFor(workflowInfo().taskQueue), summary };
}

/** Options of the whole-turn activity (issue 17): the per-call timeouts times the turn's calls;
 * retries as for one call (a retry resumes after the last finished call, so the budget is spent
 * only on the call that keeps failing). */
export function turnOptions(maxCalls: number, summary?: string): ActivityOptions {
  return {
    ...llmOptions(summary),
    startToCloseTimeout: `${10 * maxCalls} minutes`,
    scheduleToCloseTimeout: `${60 + 10 * maxCalls} minutes`,
  };
}

/** Options of a search step's activity (its agent turns, or its user replies; issue 17): the
 * leaves' calls run at once, so a step takes as long as its longest turn, plus any wait for the
 * worker's cap on model calls in flight; retries as for one call (a retry redoes only what had not
 * finished). */
export function stepOptions(maxCallsPerLeaf: number, summary?: string): ActivityOptions {
  return turnOptions(2 * maxCallsPerLeaf, summary);
}

/** Patch id of the change to one activity per agent turn (issue 17). */
export const TURN_ACTIVITY = 'one-activity-per-agent-turn';

export function mainOptions(summary?: string): ActivityOptions {
  return { ...MAIN_OPTIONS, summary };
}

/** Proxies are made per call site because the LLM queue depends on the running workflow. */
export const llm = () => proxyActivities<LlmActivities>(llmOptions());
export const main = proxyActivities<MainActivities>(MAIN_OPTIONS);
export const local = proxyLocalActivities<MainActivities>(LOCAL_OPTIONS);
