// `mkdir -p` that always ends. Node 20's fs.mkdirSync(dir, { recursive: true }) (and its promise
// form) never returns when a parent refuses new entries with ENOENT although it exists, as /proc
// and /sys do: `JOSH_CACHE_DIR=/proc/x josh worker` spun at 100 % CPU and ignored SIGTERM. Here
// each missing level is made on its own, so that refusal is an error naming the directory.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Makes `dir` and its missing parents; returns the first directory made (undefined when `dir`
 * was there), like mkdirSync's recursive form. Throws its errors: EEXIST when `dir` is a file,
 * ENOTDIR when a parent is, ENOENT/EACCES/EROFS when a parent refuses. */
export function mkdirs(dir: string, mode?: number): string | undefined {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) throw e;
    }
    if (stat) {
      // A file in the way: mkdir says so (EEXIST for `dir` itself, ENOTDIR below it).
      if (!stat.isDirectory() && missing.length === 0) fs.mkdirSync(d);
      break;
    }
    missing.push(d);
  }
  missing.reverse();
  for (const d of missing) {
    try {
      fs.mkdirSync(d, mode === undefined ? undefined : { mode });
    } catch (e) {
      // Made meanwhile by another process: that is what was wanted.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw e;
    }
  }
  return missing[0];
}
