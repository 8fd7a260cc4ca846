// ToolWOZ's split names and task-id spelling. Pure (no imports): the registry entry and the
// workflow bundle use them.

export const TOOLWOZ_SPLITS = ['train', 'val', 'test', 'full_test'] as const;
export type ToolwozSplit = (typeof TOOLWOZ_SPLITS)[number];

/** ToolWOZ ids carry the .json suffix, as upstream's id lists do. */
export const taskId = (bare: string): string => `${bare}.json`;

/** The MultiWOZ dialogue id without the suffix (MUL0003.json → MUL0003). */
export const bareId = (id: string): string => id.replace(/\.json$/, '');
