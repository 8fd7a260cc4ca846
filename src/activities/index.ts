// The activity factory (dependency injection, as in Temporal's samples): the worker passes its
// configuration in; tests pass their own. `main` activities run on the main task queue, `llm`
// activities on the LLM queue whose concurrency and rate are capped.
import type { Logger } from 'pino';
import { createEnvActivities } from './env';
import { createFinetuneActivities } from './finetune';
import { createLlmActivities } from './llm';
import { createProvenanceActivities } from './provenance';
import { createRunDirActivities } from './runDir';
import { createTrlActivities } from './trainTrl';
import { createLoopActivities } from './loop';
import type { LlmEndpointConfig } from '../llm/endpoint';

export interface ActivityDeps {
  dataDir: string;
  /** Where run directories go when a run does not name its own outDir. */
  runsRoot: string;
  logger: Logger;
  llm: LlmEndpointConfig;
  /** A user prompts file (YAML/JSON) replacing the environment's built-in prompts. */
  promptsFile?: string;
  /** The launcher of TRL training scripts (default JOSH_TRL_COMMAND); none: scripts are only written. */
  trlCommand?: string;
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
      // `josh train` and `josh loop` (issue 15).
      ...createFinetuneActivities(deps),
      ...createTrlActivities({
        runsRoot: deps.runsRoot,
        trlCommand: deps.trlCommand ?? process.env.JOSH_TRL_COMMAND,
      }),
      ...createLoopActivities(deps),
    },
    llm,
  };
}

export type MainActivities = ReturnType<typeof createActivities>['main'];
export type LlmActivities = ReturnType<typeof createActivities>['llm'];
