// Filtering a ToolWOZ database table by search arguments (spec 4.4 step 3), with a per-field index
// so a harvest's many search calls do not scan the 2,828 train rows for every call.
import type { DbRow } from './db';
import { isEmptyValue } from './values';

export interface TableIndex {
  rows: DbRow[];
  /** field → DB value → ascending row positions (so intersections keep DB order). */
  byValue: Map<string, Map<string, number[]>>;
}

// leaveAt/arriveBy are time windows, compared as strings ("09:15" > "09:00"); the rest are equality.
const RANGE_FIELDS = new Set(['leaveAt', 'arriveBy']);

export function indexTable(rows: DbRow[]): TableIndex {
  const byValue = new Map<string, Map<string, number[]>>();
  rows.forEach((row, i) => {
    for (const [field, value] of Object.entries(row)) {
      if (typeof value !== 'string' || RANGE_FIELDS.has(field)) continue;
      let values = byValue.get(field);
      if (!values) byValue.set(field, (values = new Map()));
      const list = values.get(value);
      if (list) list.push(i);
      else values.set(value, [i]);
    }
  });
  return { rows, byValue };
}

function keeps(row: DbRow, field: string, value: string): boolean {
  const actual = row[field];
  if (typeof actual !== 'string') return false;
  if (field === 'leaveAt') return actual > value;
  if (field === 'arriveBy') return actual < value;
  return actual === value;
}

/** Rows (in DB order) matching every constraint. Arguments must already be normalised; empty and
 * non-string values constrain nothing. DB values are compared as stored. */
export function queryTable(table: TableIndex, args: Record<string, unknown>): DbRow[] {
  const constraints = Object.entries(args).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && !isEmptyValue(entry[1]),
  );
  // Start from the smallest equality bucket, then check every constraint on those rows only.
  let candidates: number[] | undefined;
  for (const [field, value] of constraints) {
    if (RANGE_FIELDS.has(field)) continue;
    const bucket = table.byValue.get(field)?.get(value) ?? [];
    if (!candidates || bucket.length < candidates.length) candidates = bucket;
  }
  const rows = candidates ? candidates.map((i) => table.rows[i]) : table.rows;
  return rows.filter((row) => constraints.every(([field, value]) => keeps(row, field, value)));
}
