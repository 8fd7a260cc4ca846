// The activity factory (dependency injection, as in Temporal's samples): the worker passes its
// configuration in; tests pass their own. `main` activities run on the main task queue, `llm`
// activities on the LLM queue whose concurrency and rate are capped.
import type { Logger } from 'pino';
import { createEnvActivities } from './env';
import { createLlmActivities } from './llm';
import { createProvenanceActivities } from './provenance';
import { createRunDirActivities } from './runDir';
import type { LlmEndpointConfig } from '../llm/endpoint';

export interface ActivityDeps {
  dataDir: string;
  /** Where run directories go when a run does not name its own outDir. */
  runsRoot: string;
  logger: Logger;
  llm: LlmEndpointConfig;
  /** A user prompts file (YAML/JSON) replacing the environment's built-in prompts. */
  promptsFile?: string;
}

export function createActivities(deps: ActivityDeps) {
  const envOptions = { promptsFile: deps.promptsFile };
  const llm = createLlmActivities(deps.dataDir, deps.llm, envOptions);
  return {
    main: {
      ...createEnvActivities(deps.dataDir, envOptions),
      ...createRunDirActivities(deps.runsRoot),
      ...createProvenanceActivities(deps),
      // The scripted user needs no model, so it need not wait for LLM capacity.
      scriptedUserTurn: llm.userTurn,
    },
    llm,
  };
}

export type MainActivities = ReturnType<typeof createActivities>['main'];
export type LlmActivities = ReturnType<typeof createActivities>['llm'];
