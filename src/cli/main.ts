// Entry point of the `josh` CLI. Each command lives in its own file under ./commands and
// registers itself; user errors print one line and exit non-zero, never a stack dump.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { RunFailedError } from '../client/errors';
import { UnknownTaskError } from '../env/types';
import { DevServerStartError } from '../temporal/devServer';
import { UserError, describeUnexpected } from '../util/errors';
import { PRODUCT } from '../util/product';

/** Commander's parse errors as one line like ours: `josh: unknown option '--beem' (did you mean
 * --beam?)` instead of the error followed by the whole usage text. */
function oneLineParseError(message: string): string {
  const text = message
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
  return `josh: ${text}\n`;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('josh')
    .description('JOSH harvests on Temporal: simulate, search, export training data.')
    .version(PRODUCT.version, '-V, --version', 'print the version of josh-harvest')
    .configureOutput({ outputError: (message, write) => write(oneLineParseError(message)) })
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

/** The reader of our output went away (`josh tasks | head`): stop quietly with the shell's code for
 * a broken pipe (128 + SIGPIPE), not an EPIPE stack trace. A command that opened a session has its
 * own handler (./interrupt), which first closes what it started: this one then stands aside. */
function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (stream.listenerCount('error') === 1) process.exit(141);
  });
}
quietOnBrokenPipe(process.stdout);
quietOnBrokenPipe(process.stderr);

main(process.argv).catch((err: unknown) => {
  // A usage error (unknown option, missing required option, a value outside its choices) exits
  // 2 like every other bad input; help and --version exit 0 as commander says.
  if (err instanceof CommanderError) {
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof UserError) {
    process.stderr.write(`josh: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  // The embedded or `josh server` dev server that would not start: what it said, where its log is.
  if (err instanceof DevServerStartError) {
    process.stderr.write(`josh: ${err.reason}; see ${err.logFile}\n`);
    process.exit(1);
  }
  // A workflow that ended failed (a training whose job failed, a campaign out of retries): its
  // reason in one line, not a stack of this process, which did nothing wrong.
  if (err instanceof RunFailedError) {
    process.stderr.write(`josh: ${err.message}\n`);
    process.exit(1);
  }
  // A task id that is not in the data (e.g. --tasks NOPE.json) is a user's mistake, not a bug.
  if (err instanceof UnknownTaskError) {
    process.stderr.write(`josh: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `josh: unexpected error: ${err instanceof Error ? describeUnexpected(err) : String(err)}\n`,
  );
  process.exit(1);
});
