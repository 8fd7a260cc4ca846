// Where the data lives: --data-dir → JOSH_DATA_DIR → ./data, and in this repo's development
// layout (a `shared/` folder beside the clone) ../shared, so tests, CI and the demo need no flags.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../util/errors';
import { environmentsIn } from '.';

export function resolveDataDir(flag?: string, cwd = process.cwd()): string {
  const explicit = flag ?? process.env.JOSH_DATA_DIR;
  if (explicit) {
    const dir = path.resolve(cwd, explicit);
    if (!fs.existsSync(dir)) throw new UserError(`data directory ${dir} does not exist`);
    if (!fs.statSync(dir).isDirectory())
      throw new UserError(`data directory ${dir} is a file, not a directory`);
    return dir;
  }
  const local = path.resolve(cwd, 'data');
  if (fs.existsSync(local)) return local;
  // The development layout: the repo root's parent holds shared/ (we may be run from a subfolder)
  // with the data of some registered environment in it (each environment's probe says).
  const repoRoot = path.resolve(__dirname, '..', '..');
  const shared = path.resolve(repoRoot, '..', 'shared');
  if (fs.existsSync(shared) && environmentsIn(shared).length > 0) return shared;
  throw new UserError(
    `no data directory: pass --data-dir DIR or set JOSH_DATA_DIR (looked for ${local} and ${shared}); ` +
      '`josh data fetch` downloads the public data',
  );
}
