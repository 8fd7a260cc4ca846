// Editing a Go module for this project's Temporal builds without copying it into the repository
// (issue 17): the build links the files of the module Go downloaded, writes the edited ones, and a
// copy of the build module's go.mod replaces the module with that directory (`go … -modfile`; Go
// refuses `-overlay` for files in its module cache). Each edit names the exact text it replaces:
// a module whose text differs fails the build naming the file and the text, and never builds
// half-patched. Used by ./sqliteStatementCache.ts, ./cliMetricsSwitch.ts, ./serverStreamWorkers.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mkdirs } from '../util/mkdirs';

export interface Edit {
  file: string;
  /** Exact text of the module's, found exactly once. */
  find: string;
  replace: string;
}

/** The directory of `module` as the build module resolves it (downloaded if need be). */
export function moduleDir(module: string, buildModuleDir: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('go', ['mod', 'download', '-json', module], {
    cwd: buildModuleDir,
    env: { ...env, GOWORK: 'off', GOFLAGS: '-mod=readonly' },
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (r.error) throw new Error(`go mod download ${module}: ${r.error.message}`);
  let out: { Dir?: unknown; Error?: unknown } = {};
  try {
    out = JSON.parse(r.stdout) as typeof out;
  } catch {
    // not JSON: go failed before it could say which module (the message is on stderr)
  }
  const dir = out.Dir;
  if (r.status !== 0 || typeof dir !== 'string' || !fs.existsSync(dir)) {
    const why = typeof out.Error === 'string' ? out.Error : (r.stdout + r.stderr).trim().slice(-400);
    throw new Error(`go mod download ${module} (exit ${r.status}): ${why}`);
  }
  return dir;
}

/** Applies `edits` to `text` (`file` of a module); throws naming the file and the text not found.
 * `whose` and `by` name the module and the patch in that message. */
export function applyModuleEdits(
  file: string,
  text: string,
  edits: Edit[],
  whose: string,
  by: string,
): string {
  let out = text;
  for (const e of edits.filter((x) => x.file === file)) {
    const at = out.indexOf(e.find);
    if (at < 0 || out.indexOf(e.find, at + 1) >= 0) {
      throw new Error(
        `${whose} ${file} does not hold exactly one copy of the text ${by}: ` +
          JSON.stringify(e.find.split('\n')[0]),
      );
    }
    out = out.slice(0, at) + e.replace + out.slice(at + e.find.length);
  }
  return out;
}

/** Links `from` (a file or directory) at `to`; a copy where links are not allowed (Windows). */
function linkOrCopy(from: string, to: string): void {
  try {
    fs.symlinkSync(from, to);
  } catch {
    fs.cpSync(from, to, { recursive: true });
  }
}

/**
 * Makes `module` (as the build module resolves it) in `outDir/<its last path element>` with
 * `edits` applied through `apply`, and returns the go.mod `replace` line that points a build at it
 * (for a go.mod made by ./sqliteStatementCache.ts's writeCachingDriver).
 */
export function writeEditedModule(
  outDir: string,
  module: string,
  edits: Edit[],
  apply: (file: string, text: string) => string,
  buildModuleDir: string,
  env: NodeJS.ProcessEnv,
): string {
  const to = path.join(outDir, module.split('/').pop()!);
  linkTreeWithEdits(moduleDir(module, buildModuleDir, env), to, new Set(edits.map((e) => e.file)), apply);
  return `replace ${module} => ${JSON.stringify(to)}\n`;
}

/** Mirrors the module directory `from` at `to` for a build: links, except the files in `edited`
 * (paths relative to the module, `/`-separated), which are written through `apply`, and the
 * directories on their way, which are made. */
function linkTreeWithEdits(
  from: string,
  to: string,
  edited: Set<string>,
  apply: (file: string, text: string) => string,
  rel = '',
): void {
  mkdirs(to);
  for (const name of fs.readdirSync(from)) {
    const r = rel ? `${rel}/${name}` : name;
    const src = path.join(from, name);
    if (edited.has(r)) fs.writeFileSync(path.join(to, name), apply(r, fs.readFileSync(src, 'utf8')));
    else if ([...edited].some((e) => e.startsWith(`${r}/`)))
      linkTreeWithEdits(src, path.join(to, name), edited, apply, r);
    else linkOrCopy(src, path.join(to, name));
  }
}
