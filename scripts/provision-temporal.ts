// `npm run provision`: find or build the temporal CLI (see src/temporal/provision.ts) and print
// where it is, so CI and newcomers pay the one-time Go build up front, not inside the first test.
import { provisionTemporalCli } from '../src/temporal/provision';
import { UserError } from '../src/util/errors';

provisionTemporalCli()
  .then((cli) => {
    process.stdout.write(`temporal CLI (${cli.source}): ${cli.path}\n  ${cli.version}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`provision: ${err instanceof UserError ? err.message : String(err)}\n`);
    process.exit(1);
  });
