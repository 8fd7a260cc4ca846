// Writing an export file: chunks appended to a temp file beside the target, renamed over it at
// the end, so a reader (or a crash, or an exception half-way) never sees a partial file.
// A symlink is written through and a device or FIFO straight into (see writeTarget).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempBeside, writeTarget } from '../util/atomicWrite';
import { mkdirs } from '../util/mkdirs';

export function writeJsonlAtomic<T>(file: string, produce: (write: (chunk: string) => void) => T): T {
  const target = writeTarget(file);
  if (!target.direct) mkdirs(path.dirname(target.file));
  const tmp = target.direct ? null : tempBeside(target.file);
  const fd = fs.openSync(tmp ?? target.file, 'w');
  let open = true;
  try {
    const result = produce((chunk) => fs.writeSync(fd, chunk));
    fs.closeSync(fd);
    open = false;
    if (tmp) fs.renameSync(tmp, target.file);
    return result;
  } catch (err) {
    if (open) fs.closeSync(fd);
    if (tmp) fs.rmSync(tmp, { force: true });
    throw err;
  }
}
