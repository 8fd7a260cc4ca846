// Ctrl-C in a command that opened a session (harvest, eval, demo, train, loop): say that the work
// stays in Temporal, stop what this process started (its worker, the simulated model, the
// embedded server), exit 130 (143 on SIGTERM, 141 when its output's reader went away: a broken
// pipe). Without it the SDK's own SIGINT handler stopped the worker and the command went on
// watching a workflow nobody served, forever.
import type { Session } from '../runtime/session';

export interface InterruptGuard {
  /** Aborted on the interrupt: pass it to openSession and to the watch. */
  readonly signal: AbortSignal;
  /** The session being opened: an interrupt waits for it (it stops after its current step) and
   * closes it. */
  opening(session: Promise<Session>): Promise<Session>;
  /** A failure after the interrupt comes from things closing under the command: it never
   * settles, and the interrupt ends the process. Any other failure is rethrown. */
  failed(err: unknown): Promise<never>;
  dispose(): void;
}

export function guardInterrupt(say: (line: string) => void, line: string): InterruptGuard {
  const controller = new AbortController();
  let session: Promise<Session> | null = null;
  const interrupt = (exitCode = 130): void => {
    controller.abort();
    say(`\ninterrupted: ${line}`);
    const closed = session?.then((s) => s.close()) ?? Promise.resolve();
    void closed.catch(() => undefined).finally(() => process.exit(exitCode));
  };
  const onSigint = (): void => interrupt();
  // `timeout`, `kill`, a service manager: the same stop, with the shell's code for SIGTERM.
  const onSigterm = (): void => {
    if (!controller.signal.aborted) interrupt(143);
  };
  // The reader of our output went away (`josh harvest ... | head`): a write's EPIPE ended the
  // process at once and left the embedded server running. Stop as on Ctrl-C instead, with the
  // shell's code for a broken pipe (128 + SIGPIPE); later writes' EPIPEs change nothing.
  const onStreamError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    if (!controller.signal.aborted) interrupt(141);
  };
  process.once('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  return {
    signal: controller.signal,
    opening(p) {
      session = p;
      return p;
    },
    failed(err) {
      if (controller.signal.aborted) return new Promise<never>(() => undefined);
      throw err;
    },
    dispose: () => {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigterm);
      process.stdout.removeListener('error', onStreamError);
      process.stderr.removeListener('error', onStreamError);
    },
  };
}
