// MultiWOZ 2.1 dialogues with goals, from either layout under <dataDir>/multiwoz/:
//   split files (ConvLab-2, this repo's data): splits.json + test.json + val.json [+ train.json]
//   full release: data.json + testListFile.json + valListFile.json (.txt accepted), train = the rest
// Files are validated with zod when first needed, each parsed once per process, and kept only in the
// compact form the environment uses (goal, turn texts, last system state).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../util/errors';
import { readJsonFile, readJsonFileAs } from './db';
import { bareId } from './ids';

const Str = z.string();
const BookValue = z.union([z.string(), z.boolean()]);

const DomainGoal = z.object({
  info: z.record(Str, Str).optional(),
  fail_info: z.record(Str, Str).optional(),
  book: z.record(Str, BookValue).optional(),
  fail_book: z.record(Str, BookValue).optional(),
  reqt: z.array(Str).optional(),
});
export type DomainGoal = z.infer<typeof DomainGoal>;

// A domain the goal does not use is `{}` (or absent in some copies).
const Goal = z.object({
  taxi: DomainGoal.optional(),
  police: DomainGoal.optional(),
  hospital: DomainGoal.optional(),
  hotel: DomainGoal.optional(),
  attraction: DomainGoal.optional(),
  train: DomainGoal.optional(),
  restaurant: DomainGoal.optional(),
  message: z.union([z.array(Str), Str]),
});
export type Goal = z.infer<typeof Goal>;
export type GoalDomain = Exclude<keyof Goal, 'message'>;

const Dialogue = z.object({
  goal: Goal,
  log: z.array(z.object({ text: Str, metadata: z.record(Str, z.unknown()) })).min(2),
});

export interface MultiwozDialogue {
  /** Dialogue id without the .json suffix. */
  id: string;
  file: string;
  goal: Goal;
  /** Turn texts; user turns at even positions, system turns at odd ones. */
  turns: string[];
  /** The belief state and bookings after the last system turn (per domain `book.booked`, `semi`). */
  finalState: Record<string, unknown>;
  /** Position of that system turn in the log, for error messages. */
  finalStateTurn: number;
}

export { bareId } from './ids';

const fileCache = new Map<string, Map<string, MultiwozDialogue>>();

export function loadDialogueFile(file: string): Map<string, MultiwozDialogue> {
  const hit = fileCache.get(file);
  if (hit) return hit;
  const raw = readJsonFile(file, 'MultiWOZ dialogues');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${file}: expected a JSON object of dialogues keyed by dialogue id`);
  }
  if (Object.keys(raw).length === 0)
    throw new UserError(
      `${file}: holds no dialogues (expected a JSON object of dialogues keyed by dialogue id)`,
    );
  const dialogues = new Map<string, MultiwozDialogue>();
  for (const [key, value] of Object.entries(raw)) {
    const parsed = Dialogue.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserError(
        `${file}: dialogue ${key}: field ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      );
    }
    const { goal, log } = parsed.data;
    // User turns carry empty metadata; the state we want is the last system turn's.
    let finalStateTurn = log.length - 1;
    while (finalStateTurn >= 0 && Object.keys(log[finalStateTurn].metadata).length === 0) finalStateTurn--;
    if (finalStateTurn < 0) {
      throw new UserError(`${file}: dialogue ${key}: field log: expected a system turn with metadata`);
    }
    const id = bareId(key);
    dialogues.set(id, {
      id,
      file,
      goal,
      turns: log.map((t) => t.text),
      finalState: log[finalStateTurn].metadata,
      finalStateTurn,
    });
  }
  fileCache.set(file, dialogues);
  return dialogues;
}

export type OfficialSplit = 'train' | 'val' | 'test';

/** Where the dialogues of each official split are, and which ids each split lists. */
export interface MultiwozLayout {
  kind: 'split-files' | 'full-release';
  dir: string;
  /** Official id lists (bare ids). For the full release, train is every other dialogue. */
  lists: { test: string[]; val: string[]; train?: string[] };
  /** The file listing a split's ids (undefined for the full release's train: every other dialogue). */
  listFile(split: OfficialSplit): string | undefined;
  /** The file holding a split's dialogues, or undefined when this layout lacks it. */
  fileOf(split: OfficialSplit): string | undefined;
  /** Every file of the layout that exists (dialogues and id lists): the dataset version covers them. */
  files: string[];
}

const SplitsFile = z.object({ train: z.array(Str), val: z.array(Str), test: z.array(Str) });

function readIdList(file: string): string[] {
  const ids: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const id = line.trim();
      if (id === '') return;
      if (!/^[A-Za-z0-9_]+(\.json)?$/.test(id)) {
        throw new UserError(
          `${file}: line ${i + 1}: expected one dialogue id per line (like MUL0003.json), got "${id}"`,
        );
      }
      ids.push(bareId(id));
    });
  return ids;
}

function findListFile(dir: string, stem: string): string {
  for (const ext of ['.json', '.txt']) {
    const file = path.join(dir, stem + ext);
    if (fs.existsSync(file)) return file;
  }
  throw new UserError(
    `${path.join(dir, stem + '.json')}: file not found (the full MultiWOZ layout needs it beside data.json)`,
  );
}

const layoutCache = new Map<string, MultiwozLayout>();

export function detectLayout(dataDir: string): MultiwozLayout {
  const hit = layoutCache.get(dataDir);
  if (hit) return hit;
  const dir = path.join(dataDir, 'multiwoz');
  let layout: MultiwozLayout;
  if (fs.existsSync(path.join(dir, 'data.json'))) {
    const data = path.join(dir, 'data.json');
    const listFiles = { test: findListFile(dir, 'testListFile'), val: findListFile(dir, 'valListFile') };
    layout = {
      kind: 'full-release',
      dir,
      lists: { test: readIdList(listFiles.test), val: readIdList(listFiles.val) },
      listFile: (split) => (split === 'train' ? undefined : listFiles[split]),
      fileOf: () => data,
      files: [data, listFiles.test, listFiles.val],
    };
  } else if (fs.existsSync(path.join(dir, 'splits.json'))) {
    const file = path.join(dir, 'splits.json');
    const splits = readJsonFileAs(
      SplitsFile,
      file,
      'the MultiWOZ split lists',
      '{train, val, test} id lists',
    );
    const lists = {
      test: splits.test.map(bareId),
      val: splits.val.map(bareId),
      train: splits.train.map(bareId),
    };
    layout = {
      kind: 'split-files',
      dir,
      lists,
      listFile: () => file,
      fileOf: (split) => {
        const f = path.join(dir, `${split}.json`);
        return fs.existsSync(f) ? f : undefined;
      },
      files: [
        file,
        ...['test', 'val', 'train'].map((s) => path.join(dir, `${s}.json`)).filter((f) => fs.existsSync(f)),
      ],
    };
  } else {
    throw new UserError(
      `${dir}: no MultiWOZ data (expected data.json + testListFile.json + valListFile.json from MultiWOZ 2.1, ` +
        'or splits.json + test.json + val.json); `josh data fetch` downloads it',
    );
  }
  layoutCache.set(dataDir, layout);
  return layout;
}
