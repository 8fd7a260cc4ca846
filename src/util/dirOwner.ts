// Whose directory this is: a harvest's or an eval's (harvest.json), a training's (train.json) or a
// campaign's (loop.json). Every command that makes a directory of its own checks it first, so two
// pieces of work never share one (a training given a harvest's directory wrote its train.json and
// exports among the run's files; `--out` another training's directory overwrote its record).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

export type DirKind = 'run' | 'training' | 'campaign';

export interface DirOwner {
  kind: DirKind;
  id: string;
}

/** The manifest each kind writes, and where its id is in it. */
const MANIFESTS: { kind: DirKind; file: string; id: (o: Record<string, unknown>) => unknown }[] = [
  { kind: 'run', file: 'harvest.json', id: (o) => (o.config as Record<string, unknown> | undefined)?.id },
  { kind: 'training', file: 'train.json', id: (o) => (o.config as Record<string, unknown> | undefined)?.id },
  { kind: 'campaign', file: 'loop.json', id: (o) => o.id },
];

/** The manifest file names: a directory with any of them belongs to some piece of work. */
export const MANIFEST_FILES = MANIFESTS.map((m) => m.file);

/** The work a directory belongs to, from the first readable manifest in it; null when it has
 * none (or none that can be read: the command that owns it says what is wrong with it). */
export function dirOwner(dir: string): DirOwner | null {
  for (const m of MANIFESTS) {
    let o: unknown;
    try {
      o = JSON.parse(fs.readFileSync(path.join(dir, m.file), 'utf8'));
    } catch {
      continue;
    }
    const id = o && typeof o === 'object' ? m.id(o as Record<string, unknown>) : undefined;
    if (typeof id === 'string') return { kind: m.kind, id };
  }
  return null;
}

/** Refuses `dir` for `wanted` when another piece of work owns it; `how` says what to change. */
export function refuseOtherOwner(dir: string, wanted: DirOwner, how: string): void {
  const owner = dirOwner(dir);
  if (!owner || (owner.kind === wanted.kind && owner.id === wanted.id)) return;
  throw new UserError(
    `${dir} holds ${owner.kind} ${owner.id}: ${wanted.kind} ${wanted.id} needs a directory of its own (${how})`,
  );
}
