// Activity proxies and their retry policies. LLM activities go to the LLM task queue; transient
// model errors are retried with backoff (Retry-After honoured via nextRetryDelay), permanent ones
// are non-retryable (see src/llm/errors.ts).
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { LlmActivities, MainActivities } from '../activities';
import { LLM_TASK_QUEUE } from '../shared/taskQueues';

export const LLM_OPTIONS: ActivityOptions = {
  taskQueue: LLM_TASK_QUEUE,
  // Covers the client timeout plus queueing behind the LLM concurrency cap.
  startToCloseTimeout: '10 minutes',
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
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['BadRunInput'],
  },
};

export const llm = proxyActivities<LlmActivities>(LLM_OPTIONS);
export const main = proxyActivities<MainActivities>(MAIN_OPTIONS);
