// A service that starts a harvest through josh-harvest's client API, follows it and prints the
// result: what another Node service writes after `npm install <josh-harvest git URL or tarball>`.
// It imports from 'josh-harvest' there; in this repository the same module is ../src
// (test/client-package.test.ts packs the package, installs it elsewhere and runs this file).
//
//   npx josh server & npx josh worker &           # a cluster and a worker (or your own)
//   npx tsx examples/trigger-harvest.ts [config.json]
//
// Connection: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (and TEMPORAL_API_KEY / TLS variables), and
// JOSH_TASK_QUEUE if the workers serve another queue than `josh`; or pass them to connect().
import * as fs from 'node:fs';
import { connect, InvalidConfigError, type StartConfig } from '../src';

async function main(): Promise<void> {
  // Any run config (the schema of schema/run-config.schema.json); the id makes the call
  // idempotent: starting the same id again attaches to that run instead of starting another.
  const config: StartConfig = process.argv[2]
    ? (JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as StartConfig)
    : { id: `nightly-${new Date().toISOString().slice(0, 10)}`, split: 'val', limit: 3, beamSize: 4 };

  const josh = await connect();
  try {
    const run = await josh.startHarvest(config);
    process.stderr.write(`${run.outcome} ${run.id} (beam ${run.config.beamSize}, ${run.config.split})\n`);
    const timer = setInterval(() => {
      josh.getProgress(run.id).then(
        (p) =>
          process.stderr.write(`${p.status}: ${p.done}/${p.total} conversations, ${p.succeeded} succeeded\n`),
        () => undefined, // between executions of a long run: the next tick will answer
      );
    }, 2000);
    try {
      const result = await josh.waitForResult(run.id);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      clearInterval(timer);
    }
  } finally {
    await josh.close();
  }
}

main().catch((err: unknown) => {
  // A bad config names each field and what was expected.
  if (err instanceof InvalidConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
