// Writing an export file: chunks appended to a temp file beside the target, renamed over it at
// the end, so a reader (or a crash, or an exception half-way) never sees a partial file.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeJsonlAtomic<T>(file: string, produce: (write: (chunk: string) => void) => T): T {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let open = true;
  try {
    const result = produce((chunk) => fs.writeSync(fd, chunk));
    fs.closeSync(fd);
    open = false;
    fs.renameSync(tmp, file);
    return result;
  } catch (err) {
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
