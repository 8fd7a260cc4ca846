// What a schedule does when a firing comes while the previous run still runs. Its own module, free
// of the Temporal client, so the CLI can offer the choices without loading the client.
export const OVERLAP_POLICIES = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];
