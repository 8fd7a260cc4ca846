// Which domain port, database layout and tool schemas each τ environment uses.
import { airlineBackend } from './airline';
import type { TauBackend } from './environment';
import { readToolsJson } from './environment';
import type { TauEnvName } from './layouts';
import { loadRetailTau2Db, loadRetailV1Db, retailDomain, retailToolsFile } from './retail';

// τ²'s retail offers no `think` tool; its other tools are v1's, on τ²'s database.
const TAU2_WITHOUT = new Set(['think']);

export const TAU_BACKENDS: Record<TauEnvName, TauBackend> = {
  'tau-retail': {
    domain: retailDomain,
    loadDb: loadRetailV1Db,
    schemas: (dataDir) => readToolsJson(retailToolsFile(dataDir), retailDomain),
  },
  'tau-airline': airlineBackend,
  'tau2-retail': {
    domain: retailDomain,
    loadDb: loadRetailTau2Db,
    schemas: (dataDir) =>
      readToolsJson(retailToolsFile(dataDir), retailDomain).filter((t) => !TAU2_WITHOUT.has(t.function.name)),
  },
};
