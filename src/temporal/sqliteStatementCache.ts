// A prepared-statement cache for the dev server's SQLite driver, added at build time (issue 17).
// Temporal's SQLite store hands every statement to database/sql as SQL text, and the driver
// (modernc.org/sqlite) prepares each one anew and finalizes it after one use: in a profile of the
// dev server during a 100-task harvest, 13 % of its CPU was SQLite parsing the same hundred
// statements over and over (docs/benchmark.md). The cache keeps each
// connection's single statements prepared, keyed by their text, and resets them after use; the
// dev server has one connection, so the cache holds every statement it runs.
//
// The driver's module is not copied into this repository. Each build makes a directory that
// stands for it: links to the files of the module Go downloaded, except conn.go and rows.go, which
// get six small edits, and one file of ours (deploy/temporal-build/sqlite-statement-cache) that
// the edits call. A copy of the build module's go.mod replaces the driver with that directory
// (`go … -modfile`; Go refuses `-overlay` for files in its module cache). Each edit names the
// exact text it replaces: a driver whose text differs fails the build naming the file and the
// text, and never builds half-patched.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Part of the cache entries' names: a binary built without the cache is another build. */
export const SQLITE_STATEMENT_CACHE_ID = 'stmtcache';

const DRIVER_MODULE = 'modernc.org/sqlite';
const OUR_FILE = 'statement_cache.go';

export interface Edit {
  file: string;
  /** Exact text of the driver's, found exactly once. */
  find: string;
  replace: string;
}

const EDITS: Edit[] = [
  {
    file: 'conn.go',
    find: '\tintegerTimeFormat string\n}\n',
    replace: '\tintegerTimeFormat string\n\n\tstmtCache map[string]*cachedStmt // statement_cache.go\n}\n',
  },
  {
    file: 'conn.go',
    find: [
      'func (c *conn) exec(ctx context.Context, query string, args []driver.NamedValue) (r driver.Result, err error) {',
      '\ts, err := c.prepare(ctx, query)',
      '\tif err != nil {',
      '\t\treturn nil, err',
      '\t}',
      '',
      '\tdefer func() {',
      '\t\tif err2 := s.Close(); err2 != nil && err == nil {',
      '\t\t\terr = err2',
      '\t\t}',
      '\t}()',
      '',
      '\treturn s.(*stmt).exec(ctx, args)',
      '}',
    ].join('\n'),
    replace: [
      'func (c *conn) exec(ctx context.Context, query string, args []driver.NamedValue) (r driver.Result, err error) {',
      '\treturn c.execCached(ctx, query, args)',
      '}',
    ].join('\n'),
  },
  {
    file: 'conn.go',
    find: [
      '\ts, err := newStmt(c, query)',
      '\tif err != nil {',
      '\t\treturn nil, err',
      '\t}',
      '',
      '\tr, err = s.query(ctx, args)',
    ].join('\n'),
    replace: [
      '\ts, e, err := c.takeStmt(query)',
      '\tif err != nil {',
      '\t\treturn nil, err',
      '\t}',
      '\tif e != nil {',
      '\t\treturn c.queryCached(ctx, query, s, e, args)',
      '\t}',
      '',
      '\tr, err = s.query(ctx, args)',
    ].join('\n'),
  },
  {
    file: 'conn.go',
    find: '\tdefer c.Unlock()\n\n\tif c.db != 0 {\n\t\tif err := c.closeV2(c.db); err != nil {',
    replace:
      '\tdefer c.Unlock()\n\n\tc.dropStatements()\n\tif c.db != 0 {\n\t\tif err := c.closeV2(c.db); err != nil {',
  },
  {
    file: 'rows.go',
    find: '\treuseStmt bool // If true, Close() resets instead of finalizing\n}\n',
    replace:
      '\treuseStmt bool // If true, Close() resets instead of finalizing\n\tonClose   func() // statement_cache.go: gives the statement back to the cache\n}\n',
  },
  {
    file: 'rows.go',
    find: '\tif r.reuseStmt {\n\t\t// Reset the statement for reuse instead of finalizing it\n',
    replace:
      '\tif r.reuseStmt {\n\t\tif release := r.onClose; release != nil {\n\t\t\tr.onClose = nil\n\t\t\tdefer release()\n\t\t}\n\t\t// Reset the statement for reuse instead of finalizing it\n',
  },
];

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
export function applyEdits(
  file: string,
  text: string,
  edits: Edit[] = EDITS,
  whose = "the SQLite driver's",
  by = 'the statement cache edits (src/temporal/sqliteStatementCache.ts)',
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
export function linkOrCopy(from: string, to: string): void {
  try {
    fs.symlinkSync(from, to);
  } catch {
    fs.cpSync(from, to, { recursive: true });
  }
}

/**
 * Makes `module` (as the build module resolves it) in `outDir/<its last path element>` with
 * `edits` applied through `apply`, and returns the go.mod `replace` line that points a build at it
 * (for a go.mod made by writeCachingDriver below).
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
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    const r = rel ? `${rel}/${name}` : name;
    const src = path.join(from, name);
    if (edited.has(r)) fs.writeFileSync(path.join(to, name), apply(r, fs.readFileSync(src, 'utf8')));
    else if ([...edited].some((e) => e.startsWith(`${r}/`)))
      linkTreeWithEdits(src, path.join(to, name), edited, apply, r);
    else linkOrCopy(src, path.join(to, name));
  }
}

/**
 * Makes the driver with the statement cache in `outDir` (`outDir/sqlite`) and a go.mod (with its
 * go.sum) that is `buildModuleDir`'s plus a replace of the driver with it; returns that go.mod's
 * path, for `go build|install|test -modfile <it>` run in `buildModuleDir`.
 */
export function writeCachingDriver(outDir: string, buildModuleDir: string, env: NodeJS.ProcessEnv): string {
  const dir = moduleDir(DRIVER_MODULE, buildModuleDir, env);
  const driver = path.join(outDir, 'sqlite');
  fs.mkdirSync(driver, { recursive: true });
  const edited = new Set(EDITS.map((e) => e.file));
  for (const name of fs.readdirSync(dir)) {
    const from = path.join(dir, name);
    if (edited.has(name))
      fs.writeFileSync(path.join(driver, name), applyEdits(name, fs.readFileSync(from, 'utf8')));
    else linkOrCopy(from, path.join(driver, name));
  }
  const ours = fs
    .readFileSync(path.join(buildModuleDir, 'sqlite-statement-cache', OUR_FILE), 'utf8')
    .replace(/^\/\/go:build ignore\r?\n/, ''); // (a Windows checkout may have CRLFs)
  fs.writeFileSync(path.join(driver, OUR_FILE), ours);
  const goMod = fs.readFileSync(path.join(buildModuleDir, 'go.mod'), 'utf8');
  const modfile = path.join(outDir, 'go.mod');
  fs.writeFileSync(modfile, `${goMod.trimEnd()}\n\nreplace ${DRIVER_MODULE} => ${JSON.stringify(driver)}\n`);
  fs.copyFileSync(path.join(buildModuleDir, 'go.sum'), path.join(outDir, 'go.sum'));
  return modfile;
}
