// The τ environments' node half for the registry (src/env/index.ts): how each is built from a data
// directory, whether a directory holds its data, and every file it reads (the dataset version).
// Their pure half is ./plugin.ts. τ-bench's data is not fetched: it ships with the repository's
// development layout (see docs/tau-bench.md for where to put it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentNodePlugin } from '..';
import { TAU_BACKENDS } from './backends';
import { createTauEnvironment, domainDir, type TauEnvironment } from './environment';
import { TAU_ENV_NAMES, TAU_LAYOUTS, type TauEnvName } from './layouts';
import { v1TasksFile } from './tasks';

export { createTauEnvironment, type TauEnvironment } from './environment';

/** Build one τ environment directly (tests; the registry caches what getEnvironment builds). */
export function tauEnvironment(name: TauEnvName, dataDir: string): TauEnvironment {
  return createTauEnvironment(TAU_LAYOUTS[name], TAU_BACKENDS[name], dataDir);
}

/** Every data file an environment reads. */
export function tauDataFiles(name: TauEnvName, dataDir: string): string[] {
  const layout = TAU_LAYOUTS[name];
  const dir = domainDir(layout, dataDir);
  const retailTools = path.join(dataDir, 'taubench', 'retail', 'tools.json');
  if (layout.layout === 'tau2')
    return [
      path.join(dir, 'tasks.json'),
      path.join(dir, 'split_tasks.json'),
      path.join(dir, 'db.json'),
      path.join(dir, 'policy.md'),
      retailTools,
    ];
  const tables = TAU_BACKENDS[name].domain.tables;
  return [
    ...layout.splits.map((s) => v1TasksFile(dataDir, layout.domain, s)),
    ...tables.map((t) => path.join(dir, 'db', `${t}.json`)),
    path.join(dir, 'tools.json'),
    path.join(dir, 'policy.md'),
  ];
}

export const tauNodes: readonly EnvironmentNodePlugin[] = TAU_ENV_NAMES.map((name) => ({
  name,
  create: (dataDir: string) => tauEnvironment(name, dataDir),
  probe: (dataDir: string) => fs.existsSync(path.join(domainDir(TAU_LAYOUTS[name], dataDir), 'policy.md')),
  dataFiles: (dataDir: string) => tauDataFiles(name, dataDir),
}));
