// The ToolWOZ entity databases (<dataDir>/toolwoz/db/<domain>_db.json), loaded once per process
// and validated at the boundary: a missing or malformed file names itself and what was expected.
import * as path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../util/errors';
import { readDataFile } from '../dataFile';

export const TOOLWOZ_DOMAINS = ['restaurant', 'hotel', 'attraction', 'train'] as const;
export type ToolwozDomain = (typeof TOOLWOZ_DOMAINS)[number];

export type DbRow = Record<string, unknown>;
export type ToolwozDb = Record<ToolwozDomain, DbRow[]>;

const DbFile = z.array(z.record(z.string(), z.unknown()));

const cache = new Map<string, ToolwozDb>();

export function dbPath(dataDir: string, domain: string): string {
  return path.join(dataDir, 'toolwoz', 'db', `${domain}_db.json`);
}

export function readJsonFile(file: string, what: string): unknown {
  return readDataFile(file, what, JSON.parse);
}

/** Read a JSON file and validate it; a mismatch names the file, the first bad field and what was expected. */
export function readJsonFileAs<T>(schema: z.ZodType<T>, file: string, what: string, expected: string): T {
  const parsed = schema.safeParse(readJsonFile(file, what));
  if (parsed.success) return parsed.data;
  const i = parsed.error.issues[0];
  throw new UserError(`${file}: expected ${expected} (at ${i.path.join('.') || 'root'}: ${i.message})`);
}

export function loadToolwozDb(dataDir: string): ToolwozDb {
  const hit = cache.get(dataDir);
  if (hit) return hit;
  const db = {} as ToolwozDb;
  for (const domain of TOOLWOZ_DOMAINS) {
    const file = dbPath(dataDir, domain);
    db[domain] = readJsonFileAs(DbFile, file, `the ${domain} database`, 'a JSON array of row objects');
    // Every ToolWOZ domain's searches and golden replays read its rows: an empty one is a broken copy.
    if (db[domain].length === 0)
      throw new UserError(`${file}: holds no rows (expected a JSON array of the ${domain} entities)`);
  }
  cache.set(dataDir, db);
  return db;
}
