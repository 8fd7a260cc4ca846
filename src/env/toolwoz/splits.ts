// Which MultiWOZ dialogues are ToolWOZ tasks and how they split (spec 4.2): a dialogue is in
// ToolWOZ when its goal uses none of taxi, police, hospital; `test` is the first 450 of the sorted
// ToolWOZ test ids, `full_test` all of them, `val` the val list, `train` the rest.
import { UserError } from '../../util/errors';
import type { Goal, MultiwozDialogue, MultiwozLayout, OfficialSplit } from './multiwoz';
import { loadDialogueFile } from './multiwoz';
import { TOOLWOZ_SPLITS, taskId, type ToolwozSplit } from './ids';

export { TOOLWOZ_SPLITS, taskId, type ToolwozSplit } from './ids';
export const TEST_SPLIT_SIZE = 450;

const EXCLUDED_DOMAINS = ['taxi', 'police', 'hospital'] as const;

const used = (g: object | undefined): boolean => g !== undefined && Object.keys(g).length > 0;

export function isToolwozGoal(goal: Goal): boolean {
  return EXCLUDED_DOMAINS.every((d) => !used(goal[d]));
}

function officialSplitOf(split: ToolwozSplit): OfficialSplit {
  return split === 'test' || split === 'full_test' ? 'test' : split;
}

function dialoguesOf(layout: MultiwozLayout, split: OfficialSplit): Map<string, MultiwozDialogue> {
  const file = layout.fileOf(split);
  if (!file) {
    throw new UserError(
      `the ${split} split needs the MultiWOZ ${split} dialogues, which are absent from ${layout.dir} ` +
        `(it has ${layout.kind === 'split-files' ? 'test.json and val.json only' : 'no data.json'}); ` +
        'the full MultiWOZ 2.1 release has them (`josh data fetch`)',
    );
  }
  return loadDialogueFile(file);
}

/** The dialogues of a split, ToolWOZ only, in canonical (sorted id) order. */
export function splitDialogues(layout: MultiwozLayout, split: string): MultiwozDialogue[] {
  if (!(TOOLWOZ_SPLITS as readonly string[]).includes(split)) {
    throw new UserError(`unknown ToolWOZ split "${split}" (splits: ${TOOLWOZ_SPLITS.join(', ')})`);
  }
  const official = officialSplitOf(split as ToolwozSplit);
  const dialogues = dialoguesOf(layout, official);
  const listed = layout.lists[official] ?? idsOutside(layout, dialogues);
  // Listed ids missing from the file (PMUL4707 in ConvLab-2's val) are skipped, as upstream does.
  const chosen = [...new Set(listed)]
    .filter((id) => dialogues.has(id) && isToolwozGoal(dialogues.get(id)!.goal))
    .sort((a, b) => (taskId(a) < taskId(b) ? -1 : taskId(a) > taskId(b) ? 1 : 0))
    .map((id) => dialogues.get(id)!);
  const refusal = chosen.length === 0 ? noTasks(layout, official, listed, dialogues) : undefined;
  if (refusal) throw refusal;
  return split === 'test' ? chosen.slice(0, TEST_SPLIT_SIZE) : chosen;
}

/** Why a split has no ToolWOZ task at all, when that means a broken data directory rather than a
 * small one: an empty id list, or (split files) a split's own file holding none of its dialogues.
 * The full release's data.json may hold only some splits (a partial copy): its other splits are
 * empty, not refused. */
function noTasks(
  layout: MultiwozLayout,
  split: OfficialSplit,
  listed: string[],
  dialogues: Map<string, MultiwozDialogue>,
): UserError | undefined {
  const list = layout.listFile(split);
  if (list === undefined) return undefined;
  if (listed.length === 0)
    return new UserError(`${list}: the ${split} list is empty (expected the ids of the ${split} dialogues)`);
  if (layout.kind !== 'split-files') return undefined;
  const file = layout.fileOf(split)!;
  const present = listed.filter((id) => dialogues.has(id)).length;
  return new UserError(
    present === 0
      ? `${file}: holds none of the ${listed.length} ${split} dialogues listed in ${list} (expected them keyed by dialogue id)`
      : `${file}: none of its ${present} ${split} dialogues is a ToolWOZ one (each goal uses taxi, police or hospital)`,
  );
}

/** Full release: train is every dialogue on neither the test nor the val list. */
function idsOutside(layout: MultiwozLayout, dialogues: Map<string, MultiwozDialogue>): string[] {
  const listed = new Set([...layout.lists.test, ...layout.lists.val]);
  return [...dialogues.keys()].filter((id) => !listed.has(id));
}

/** The ToolWOZ dialogue with this id (with or without .json), or where it was looked for (for
 * UnknownTaskError's "not in ..."). The full release keeps every split in one file. */
export function findDialogue(layout: MultiwozLayout, id: string): MultiwozDialogue | string {
  const bare = id.replace(/\.json$/, '');
  const splits: OfficialSplit[] =
    layout.kind === 'full-release'
      ? ['test']
      : (['test', 'val', 'train'] as const).filter((s) => layout.lists[s]?.includes(bare));
  for (const split of splits) {
    if (!layout.fileOf(split)) return `${layout.dir}: the ${split} dialogues are absent`;
    const dialogue = dialoguesOf(layout, split).get(bare);
    if (dialogue)
      return isToolwozGoal(dialogue.goal) ? dialogue : 'ToolWOZ: its goal uses taxi, police or hospital';
  }
  return `the MultiWOZ data in ${layout.dir}`;
}
