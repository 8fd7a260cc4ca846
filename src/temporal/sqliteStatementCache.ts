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
// text, and never builds half-patched (./goModulePatch.ts does the linking and editing).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyModuleEdits, writeEditedModule, type Edit } from './goModulePatch';

/** Part of the cache entries' names: a binary built without the cache is another build. */
export const SQLITE_STATEMENT_CACHE_ID = 'stmtcache';

const DRIVER_MODULE = 'modernc.org/sqlite';
const OUR_FILE = 'statement_cache.go';

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

/** Applies the statement cache's `edits` to `text` (the driver's `file`); throws naming the file
 * and the text not found. */
export function applyEdits(file: string, text: string, edits: Edit[] = EDITS): string {
  return applyModuleEdits(
    file,
    text,
    edits,
    "the SQLite driver's",
    'the statement cache edits (src/temporal/sqliteStatementCache.ts)',
  );
}

/**
 * Makes the driver with the statement cache in `outDir` (`outDir/sqlite`) and a go.mod (with its
 * go.sum) that is `buildModuleDir`'s plus a replace of the driver with it; returns that go.mod's
 * path, for `go build|install|test -modfile <it>` run in `buildModuleDir`.
 */
export function writeCachingDriver(outDir: string, buildModuleDir: string, env: NodeJS.ProcessEnv): string {
  const replace = writeEditedModule(outDir, DRIVER_MODULE, EDITS, applyEdits, buildModuleDir, env);
  const driver = path.join(outDir, 'sqlite');
  const ours = fs
    .readFileSync(path.join(buildModuleDir, 'sqlite-statement-cache', OUR_FILE), 'utf8')
    .replace(/^\/\/go:build ignore\r?\n/, ''); // (a Windows checkout may have CRLFs)
  fs.writeFileSync(path.join(driver, OUR_FILE), ours);
  const goMod = fs.readFileSync(path.join(buildModuleDir, 'go.mod'), 'utf8');
  const modfile = path.join(outDir, 'go.mod');
  fs.writeFileSync(modfile, `${goMod.trimEnd()}\n\n${replace}`);
  fs.copyFileSync(path.join(buildModuleDir, 'go.sum'), path.join(outDir, 'go.sum'));
  return modfile;
}
