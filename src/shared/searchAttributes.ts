// Typed search-attribute keys (workflow-safe: @temporalio/common only). Registered on the dev
// server by `josh server` / the test harness from SEARCH_ATTRIBUTES in ./taskQueues.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  kind: defineSearchAttributeKey('JoshKind', SearchAttributeType.KEYWORD),
  harvestId: defineSearchAttributeKey('JoshHarvestId', SearchAttributeType.KEYWORD),
  env: defineSearchAttributeKey('JoshEnv', SearchAttributeType.KEYWORD),
  split: defineSearchAttributeKey('JoshSplit', SearchAttributeType.KEYWORD),
  taskId: defineSearchAttributeKey('JoshTaskId', SearchAttributeType.KEYWORD),
  reward: defineSearchAttributeKey('JoshReward', SearchAttributeType.DOUBLE),
  success: defineSearchAttributeKey('JoshSuccess', SearchAttributeType.BOOL),
  status: defineSearchAttributeKey('JoshStatus', SearchAttributeType.KEYWORD),
} as const;
