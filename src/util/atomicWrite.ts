// Write-to-temp-then-rename, so a reader (or a crash) never sees half a file, and a retried
// activity rewrites the same bytes to the same name. A write that fails (disk full, read-only,
// a file in the way) leaves no temp file behind and says why in one line naming the path.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError, WriteError } from './errors';
import { mkdirs } from './mkdirs';
import { MANIFEST_FILES } from './dirOwner';

export function writeFileAtomic(file: string, data: string): void {
  const target = writeTarget(file);
  if (target.direct) {
    try {
      fs.writeFileSync(target.file, data);
    } catch (err) {
      throw writeErrorOf(err, file);
    }
    return;
  }
  const dir = path.dirname(target.file);
  try {
    mkdirs(dir);
  } catch (err) {
    throw writeErrorOf(err, file);
  }
  const tmp = tempBeside(target.file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, target.file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw writeErrorOf(err, file);
  }
}

/** A temp file's name beside `file`, unique to this write. */
export function tempBeside(file: string): string {
  return `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/**
 * Where a write-then-rename of `file` must go. A rename replaces whatever is at the name, so a
 * symlink is followed to the file it names (else the link, not its file, would be replaced), and
 * a device, FIFO or socket is written into directly (else `--out /dev/null` as root would leave a
 * regular file where the device was). `direct` is true for those; there is no partial file to
 * hide in a stream.
 */
export function writeTarget(file: string): { file: string; direct: boolean } {
  let real = path.resolve(file);
  try {
    real = fs.realpathSync(real);
  } catch {
    // Missing, or a link to a missing file: that file is where the write goes.
    try {
      real = path.resolve(path.dirname(real), fs.readlinkSync(real));
    } catch {
      // not a link
    }
  }
  try {
    const st = fs.statSync(real);
    if (!st.isFile() && !st.isDirectory()) return { file: real, direct: true };
  } catch {
    // not there yet
  }
  return { file: real, direct: false };
}

/** The reasons a write fails that a person can act on, in their words. */
const REASONS: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** A file-system error met while writing `file`, as a WriteError whose message names the path and
 * the reason ("disk full at /runs/x/conversations/MUL0001.json"). Other errors pass unchanged. */
export function writeErrorOf(err: unknown, file: string): unknown {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string') return err;
  const code = e.code;
  const reason = REASONS[code];
  if (reason) return new WriteError(`${reason} at ${file} (${code})`, file, code);
  if (code === 'EISDIR') return new WriteError(`cannot write ${file}: it is a directory`, file, code);
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const blocker = fileInTheWay(file);
    if (blocker) {
      return new WriteError(`cannot write ${file}: ${blocker} is a file, not a directory`, file, code);
    }
  }
  return new WriteError(`cannot write ${file}: ${e.message}`, file, code);
}

/** The nearest ancestor of `file` that exists and is not a directory, if any. */
export function fileInTheWay(file: string): string | null {
  for (let d = path.dirname(path.resolve(file)); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      if (!fs.statSync(d).isDirectory()) return d;
      return null;
    } catch {
      // not there: look further up
    }
  }
  return null;
}

/** What keeps `dir` from being a directory (made if missing): `dir` itself when it is a file, else
 * the nearest existing ancestor that is not a directory; null when nothing is in the way. */
export function notADirectory(dir: string): string | null {
  const abs = path.resolve(dir);
  try {
    return fs.statSync(abs).isDirectory() ? null : abs;
  } catch {
    return fileInTheWay(abs); // not there (or a file above it)
  }
}

/** Files of a run directory that only the run writes: its results, manifest, provenance, prompts,
 * eval summary and embedded server state, and a training's or a campaign's record (train.json,
 * loop.json). `exports/` and `report.html` are outputs, and free. */
const RUN_OWNED = [
  /^conversations$/,
  /^harvest\.json$/,
  /^train\.json$/,
  /^loop\.json$/,
  /^provenance\.json$/,
  /^eval\.json$/,
  /^prompts(\.|$)/,
  /^\.temporal$/,
];

/** A run directory (a harvest's or an eval's, a training's, a campaign's): it holds one of their
 * manifests or a conversations/ folder. */
function isRunDir(dir: string): boolean {
  return [...MANIFEST_FILES, 'conversations'].some((f) => fs.existsSync(path.join(dir, f)));
}

/** Resolves symlinks of the part of `p` that exists, so `runs/x` and a link to it compare equal. */
function realish(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  for (let d = abs; ; d = path.dirname(d)) {
    try {
      return path.join(fs.realpathSync(d), ...rest);
    } catch {
      if (d === path.dirname(d)) return abs;
      rest.unshift(path.basename(d));
    }
  }
}

/**
 * Checks an `--out` file before anything is computed: it must not be an existing directory, have
 * a file in the way, or be one of a run's own files (of `runDir`, or of any run directory it lies
 * in), which an export or report must never overwrite. Throws a one-line UserError.
 */
export function checkOutFile(flag: string, out: string, runDir?: string): void {
  const file = realish(out);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(file);
  } catch {
    // not there yet: fine
  }
  if (stat?.isDirectory()) throw new UserError(`${flag} ${out}: is a directory; give a file name`);
  const blocker = fileInTheWay(file);
  if (blocker) throw new UserError(`${flag} ${out}: ${blocker} is a file, not a directory`);
  const candidates = new Set<string>();
  if (runDir !== undefined) candidates.add(realish(runDir));
  for (let d = path.dirname(file), i = 0; i < 4 && d !== path.dirname(d); d = path.dirname(d), i++) {
    if (isRunDir(d)) candidates.add(d);
  }
  for (const dir of candidates) {
    const rel = path.relative(dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const first = rel.split(path.sep)[0];
    if (RUN_OWNED.some((re) => re.test(first))) {
      throw new UserError(
        `${flag} ${out}: that is the run's own data (${rel} in ${dir}); refusing to overwrite it — write elsewhere, e.g. ${path.join(dir, 'exports')}`,
      );
    }
  }
}
