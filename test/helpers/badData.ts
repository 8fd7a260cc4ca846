// Data directories for bad-data tests: a mirror of the shared data (symlinks) with some files
// changed or left out, a directory of given files, and the one-line UserError they must give.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveDataDir } from '../../src/env/dataDir';
import { UserError } from '../../src/util/errors';

export const DATA = resolveDataDir(undefined, path.resolve(__dirname, '..', '..'));

/** A data directory mirroring the shared one (directories made, files symlinked), with `changes`
 * applied: a path's new content, or null to leave it out. */
export function dataWith(changes: Record<string, string | null>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-datacheck-'));
  const mirror = (rel: string): void => {
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    for (const entry of fs.readdirSync(path.join(DATA, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      if (entry.isDirectory()) mirror(r);
      else if (!(r in changes)) fs.symlinkSync(path.join(DATA, r), path.join(root, r));
    }
  };
  for (const top of ['multiwoz', 'toolwoz', 'taubench', 'tau2']) mirror(top);
  for (const [rel, content] of Object.entries(changes)) {
    if (content === null) continue;
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

/** A directory holding only these files. */
export function filesDir(files: Record<string, unknown>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-datacheck-'));
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

/** `run` throws a one-line UserError matching `pattern`. */
export function refuses(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: Error) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${e.stack}`);
    assert.match(e.message, pattern);
    assert.equal(e.message.split('\n').length, 1, e.message);
    return true;
  });
}
