// `josh sim-model`: the simulated OpenAI-compatible model (docs/simulated-model.md) as a standalone
// server, for pointing any OpenAI client (or `OPENAI_BASE_URL`) at it. Ctrl-C stops it cleanly.
import type { Command } from 'commander';
import { z } from 'zod';
import { createSimModelServer, parseErrorRates, parseFaultSpec } from '../../simmodel';
import { listenError } from '../../temporal/ports';
import { UserError } from '../../util/errors';

const ms = z.coerce.number().min(0, 'must be 0 or more (milliseconds)');
const SimModelFlags = z.object({
  port: z.coerce.number().int().min(0, 'must be 0 (pick a free one) to 65535').max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1).optional(),
  latencyMs: ms,
  jitterMs: ms,
  msPerToken: ms,
  faults: z.string().default(''),
  errorRates: z.string().default(''),
  seed: z.coerce.number().int('must be an integer'),
  fineTuneSecondsPerPhase: z.coerce.number().min(0, 'must be 0 or more (seconds)'),
  fineTuneFail: z.coerce.number().min(0, 'must be a rate from 0 to 1').max(1, 'must be a rate from 0 to 1'),
  fineTuneMinExamples: z.coerce.number().int('must be an integer').min(0, 'must be 0 or more'),
  stateDir: z.string().min(1).optional(),
});

export function register(program: Command): void {
  program
    .command('sim-model')
    .description(
      'Run the simulated model: an offline OpenAI-compatible server playing the ToolWOZ agent and caller',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8787')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'data directory (default: JOSH_DATA_DIR, ./data, or ../shared)')
    .option('--latency-ms <n>', 'fixed latency per completion', '0')
    .option('--jitter-ms <n>', 'uniform jitter added to the latency, ± this much', '0')
    .option('--ms-per-token <n>', 'extra latency per completion token', '0')
    .option(
      '--faults <spec>',
      'fault rates, e.g. 429=0.2,500=0.1,503=0.05,hang=0.05,drop=0.02,malformed=0.05',
    )
    .option('--error-rates <spec>', 'agent error rates at temperature 1, e.g. wrongSlot=0.1,missingSlot=0.1')
    .option('--seed <n>', 'seed for fault draws and latency jitter', '0')
    .option(
      '--fine-tune-seconds-per-phase <n>',
      'fine-tuning jobs: seconds each of validating_files, queued and running lasts',
      '2',
    )
    .option('--fine-tune-fail <rate>', 'fine-tuning jobs: probability that a job fails while running', '0')
    .option('--fine-tune-min-examples <n>', 'fine-tuning jobs: fewest examples a training file needs', '0')
    .option('--state-dir <dir>', 'keep uploaded files and fine-tuning jobs here across restarts')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = SimModelFlags.safeParse(raw);
      if (!parsed.success) {
        // Name the flag as typed (--latency-ms), not the option key.
        const i = parsed.error.issues[0];
        const flag = String(i.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        throw new UserError(`sim-model: --${flag}: ${i.message}`);
      }
      const f = parsed.data;
      const sim = await createSimModelServer({
        port: f.port,
        host: f.host,
        dataDir: f.dataDir,
        latencyMs: f.latencyMs,
        jitterMs: f.jitterMs,
        msPerToken: f.msPerToken,
        faults: parseFaultSpec(f.faults),
        errorRates: parseErrorRates(f.errorRates),
        seed: f.seed,
        fineTuneSecondsPerPhase: f.fineTuneSecondsPerPhase,
        fineTuneFailRate: f.fineTuneFail,
        fineTuneMinExamples: f.fineTuneMinExamples,
        stateDir: f.stateDir,
      }).catch((err: unknown) => {
        throw listenError('--host', f.host, err);
      });
      const out = (s: string): void => void process.stdout.write(`${s}\n`);
      out(`simulated model listening on ${sim.url}`);
      out(`  OpenAI base URL: ${sim.url}/v1   (e.g. OPENAI_BASE_URL=${sim.url}/v1)`);
      out(`  counters:        ${sim.url}/stats   (POST ${sim.url}/stats/reset to zero them)`);
      out(`  fine-tuning:     ${sim.url}/v1/files, ${sim.url}/v1/fine_tuning/jobs`);
      out('Press Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          out(`\n${signal}: stopping the simulated model...`);
          void sim.close().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });
}
