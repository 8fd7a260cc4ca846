// What the simulated model may know about the τ-bench worlds, the way a model knows a domain: the
// store's product type names and their option vocabularies (read from the products table), and the
// airline's airports and cities. Never users, orders, reservations or tasks: those are what a
// conversation has to find out. Loaded lazily, once per data directory, on the first τ request.
import * as fs from 'node:fs';
import * as path from 'node:path';
// The airports the airline flies to, with the city a traveller names them by: the airline's public
// list (what its `list_all_airports` tool answers), known as a model knows airports.
import { AIRPORTS } from '../../env/tau/airline/account';

export interface RetailWorld {
  /** Product type names as the catalogue spells them ("Tea Kettle", "T-Shirt"). */
  productTypes: string[];
  /** Per product type, its option names and every value each takes. */
  options: Record<string, Record<string, string[]>>;
  /** Every option value of the catalogue, longest first (so "rose gold" is read before "gold"). */
  allOptionValues: string[];
}

export interface AirlineWorld {
  airports: { code: string; city: string }[];
}

export interface TauWorld {
  retail: RetailWorld;
  airline: AirlineWorld;
}

type ProductRow = { name?: unknown; variants?: unknown };

function readProducts(dataDir: string): ProductRow[] {
  const rows: ProductRow[] = [];
  const v1 = path.join(dataDir, 'taubench', 'retail', 'db', 'products.json');
  const tau2 = path.join(dataDir, 'tau2', 'retail', 'db.json');
  for (const [file, pick] of [
    [v1, (j: Record<string, unknown>) => j],
    [tau2, (j: Record<string, unknown>) => j.products],
  ] as const) {
    if (!fs.existsSync(file)) continue;
    const table = pick(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>);
    if (table && typeof table === 'object') rows.push(...(Object.values(table) as ProductRow[]));
  }
  return rows;
}

/** The catalogue's vocabulary from product rows (exported for tests with a small catalogue). */
export function buildRetailWorld(rows: ProductRow[]): RetailWorld {
  const options: Record<string, Record<string, Set<string>>> = {};
  for (const row of rows) {
    if (typeof row.name !== 'string' || !row.variants || typeof row.variants !== 'object') continue;
    const byOption = (options[row.name] ??= {});
    for (const v of Object.values(row.variants as Record<string, { options?: Record<string, unknown> }>)) {
      for (const [k, val] of Object.entries(v.options ?? {}))
        if (typeof val === 'string') (byOption[k] ??= new Set()).add(val);
    }
  }
  const out: Record<string, Record<string, string[]>> = {};
  const all = new Set<string>();
  for (const [p, byOption] of Object.entries(options)) {
    out[p] = {};
    for (const [k, vals] of Object.entries(byOption)) {
      out[p][k] = [...vals].sort();
      for (const v of vals) all.add(v);
    }
  }
  return {
    productTypes: Object.keys(out).sort(),
    options: out,
    allOptionValues: [...all].sort((a, b) => b.length - a.length || a.localeCompare(b)),
  };
}

const worlds = new Map<string, TauWorld>();

/** The τ world of a data directory, read once. A directory without τ data gives an empty catalogue. */
export function getTauWorld(dataDir: string): TauWorld {
  let w = worlds.get(dataDir);
  if (!w) {
    w = {
      retail: buildRetailWorld(readProducts(dataDir)),
      airline: { airports: AIRPORTS.map(([code, city]) => ({ code, city })) },
    };
    worlds.set(dataDir, w);
  }
  return w;
}
