// Entry point of the `josh` CLI. Each command lives in its own file under ./commands and
// registers itself; user errors print one line and exit non-zero, never a stack dump.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { UserError } from '../util/errors';

async function main(argv: string[]): Promise<void> {
  const program = new Command('josh')
    .description('JOSH harvests on Temporal: simulate, search, export training data.')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    process.exit(err.exitCode);
  }
  if (err instanceof UserError) {
    process.stderr.write(`josh: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(
    `josh: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
