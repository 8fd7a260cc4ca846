// The τ-bench database: tables of records keyed by id, loaded once per process per data dir and
// never modified; and a copy-on-write view of it for one branch's state. A view holds only the
// records its branch's calls wrote (each deep-cloned on its first write), so building the state
// after a call costs the size of what that call touched, never a copy of the whole DB.
import * as path from 'node:path';
import { UserError } from '../../../util/errors';
import { deepClone, isDict, pyParse, type PyDict, type PyValue } from './pyjson';
import { describeShapeError, ShapeError, type DbSchema } from './schema';
import { readDataFile } from '../../dataFile';

export interface BaseDb {
  /** Unique per loaded DB (data file paths): part of every state-cache key. */
  readonly id: string;
  readonly tables: ReadonlyMap<string, PyDict>;
}

const loaded = new Map<string, BaseDb>();

function readPy(file: string, what: string): PyValue {
  return readDataFile(file, what, pyParse);
}

function asTable(v: PyValue | undefined, file: string, name: string): PyDict {
  if (!isDict(v)) throw new UserError(`${file}: expected the ${name} table to be a JSON object keyed by id`);
  return v;
}

/** Checks a loaded DB against its domain's schema: each table holds records, each record has the
 * fields the tools read, and the references between tables hold. `where(t)` is the file holding
 * table t and the path prefix of its records in that file ("" for a file per table). */
function checkDb(
  tables: ReadonlyMap<string, PyDict>,
  schema: DbSchema,
  where: (table: string) => { file: string; prefix: string },
): void {
  const fail = (table: string, e: ShapeError): never => {
    const { file, prefix } = where(table);
    throw new UserError(`${file}: ${prefix}${describeShapeError(e)}`);
  };
  for (const [t, table] of tables) {
    const s = schema.tables[t];
    if (!s) throw new Error(`no schema for the ${t} table`);
    const { file } = where(t);
    if (table.size === 0) throw new UserError(`${file}: the ${t} table is empty (expected ${s.holds})`);
    try {
      for (const [id, rec] of table) s.record(rec, id);
    } catch (e) {
      if (e instanceof ShapeError) fail(t, e);
      throw e;
    }
  }
  schema.references?.(tables, fail);
}

/** A τ-bench v1 DB: one file per table (`<dir>/<table>.json`), e.g. retail's orders/products/users. */
export function loadTableFiles(dir: string, tables: readonly string[], schema: DbSchema): BaseDb {
  const id = `files:${path.resolve(dir)}:${tables.join(',')}`;
  const hit = loaded.get(id);
  if (hit) return hit;
  const map = new Map<string, PyDict>();
  for (const t of tables) {
    const file = path.join(dir, `${t}.json`);
    map.set(t, asTable(readPy(file, `the ${t} table`), file, t));
  }
  checkDb(map, schema, (t) => ({ file: path.join(dir, `${t}.json`), prefix: '' }));
  const db: BaseDb = { id, tables: map };
  loaded.set(id, db);
  return db;
}

/** A τ²-bench DB: one file holding every table (`{"products": {...}, "users": {...}, ...}`). */
export function loadDbFile(file: string, tables: readonly string[], schema: DbSchema): BaseDb {
  const id = `file:${path.resolve(file)}:${tables.join(',')}`;
  const hit = loaded.get(id);
  if (hit) return hit;
  const whole = readPy(file, 'the database');
  if (!isDict(whole)) throw new UserError(`${file}: expected a JSON object of tables`);
  const map = new Map<string, PyDict>();
  for (const t of tables) map.set(t, asTable(whole.get(t), file, t));
  checkDb(map, schema, (t) => ({ file, prefix: `${t}.` }));
  const db: BaseDb = { id, tables: map };
  loaded.set(id, db);
  return db;
}

/** A DB built in memory (tests). */
export function makeDb(id: string, tables: Record<string, PyDict>): BaseDb {
  return { id, tables: new Map(Object.entries(tables)) };
}

/** One branch's state: the base DB plus the records this branch wrote. */
export class DbView {
  /** table → id → record written on this branch (the newest version). */
  private readonly overlay: Map<string, Map<string, PyValue>>;
  /** Records this view cloned itself and may modify in place (a parent's are shared, read-only). */
  private readonly owned = new Set<PyValue>();

  constructor(
    readonly base: BaseDb,
    parent?: DbView,
  ) {
    this.overlay = new Map();
    if (parent) for (const [t, m] of parent.overlay) this.overlay.set(t, new Map(m));
  }

  /** A child view that starts from this state and never changes it. */
  fork(): DbView {
    return new DbView(this.base, this);
  }

  private table(t: string): PyDict {
    const table = this.base.tables.get(t);
    if (!table) throw new Error(`no table "${t}" in the database`);
    return table;
  }

  has(t: string, id: string): boolean {
    return this.overlay.get(t)?.has(id) || this.table(t).has(id);
  }

  /** A record for reading. Do not modify it: use `mutable` for that. */
  get(t: string, id: string): PyValue | undefined {
    const o = this.overlay.get(t);
    if (o?.has(id)) return o.get(id);
    return this.table(t).get(id);
  }

  /** Ids in Python's dict order: the base's order, then ids this branch added (new keys go last). */
  keys(t: string): string[] {
    const base = this.table(t);
    const o = this.overlay.get(t);
    const out = [...base.keys()];
    if (o) for (const k of o.keys()) if (!base.has(k)) out.push(k);
    return out;
  }

  /** [id, record] pairs in dict order, for the tools that scan a table (find user by email). */
  *entries(t: string): Generator<[string, PyValue]> {
    const base = this.table(t);
    const o = this.overlay.get(t);
    for (const [k, v] of base) yield [k, o?.has(k) ? (o.get(k) as PyValue) : v];
    if (o) for (const [k, v] of o) if (!base.has(k)) yield [k, v];
  }

  /** Replace (or add) a record whole. */
  set(t: string, id: string, record: PyValue): void {
    this.table(t);
    let o = this.overlay.get(t);
    if (!o) this.overlay.set(t, (o = new Map()));
    o.set(id, record);
    this.owned.add(record);
  }

  /** The record, cloned into this view on first use, to be modified in place by a tool. */
  mutable(t: string, id: string): PyValue | undefined {
    const cur = this.get(t, id);
    if (cur === undefined) return undefined;
    if (this.owned.has(cur)) return cur;
    const copy = deepClone(cur);
    this.set(t, id, copy);
    return copy;
  }

  /** (table, id) of every record this branch wrote, in a deterministic order. */
  touched(): [string, string][] {
    const out: [string, string][] = [];
    for (const [t, m] of this.overlay) for (const id of m.keys()) out.push([t, id]);
    return out;
  }
}
