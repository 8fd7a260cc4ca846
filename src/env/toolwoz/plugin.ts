// ToolWOZ's entry in the environment registry (pure: the workflow bundle loads it).
import { safeFileName, type EnvironmentPlugin } from '../registry';
import { bareId, TOOLWOZ_SPLITS } from './ids';
import { toolwozScoring } from './scoring';

export const toolwozPlugin: EnvironmentPlugin = {
  name: 'toolwoz',
  description: 'ToolWOZ: MultiWOZ 2.2 dialogues as API-calling tasks (the paper, section 4)',
  splits: TOOLWOZ_SPLITS,
  defaultSplit: 'val',
  userSimKinds: ['goal', 'guide', 'script'],
  scoring: toolwozScoring,
  // MUL0003.json → MUL0003 (ids are MultiWOZ file names: letters and digits, kept as they are).
  taskFileName: (id) => safeFileName(bareId(id)),
};
