// Task-queue names and search-attribute keys that the client, the worker and the workflows share.

/** Workflows and cheap activities (tool calls, file writes). */
export const MAIN_TASK_QUEUE = 'josh';
/** LLM activities only, so their concurrency and rate can be capped across all workers. */
export const LLM_TASK_QUEUE = 'josh-llm';

/** The LLM queue that pairs with a main queue: workflows on queue Q send LLM calls to Q-llm, so
 * separate deployments (or parallel tests) sharing one cluster never take each other's calls. */
export function llmQueueFor(mainQueue: string): string {
  return `${mainQueue}-llm`;
}

/** Search attributes the product registers and sets, so runs can be filtered in the Web UI. */
export const SEARCH_ATTRIBUTES = {
  JoshKind: 'Keyword', // harvest | eval | conversation | turn
  JoshHarvestId: 'Keyword',
  JoshEnv: 'Keyword',
  JoshSplit: 'Keyword',
  JoshTaskId: 'Keyword',
  JoshReward: 'Double',
  JoshSuccess: 'Bool',
  JoshStatus: 'Keyword', // running | done | failed | cancelled | paused
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
