// The process's one logger (pino, to stderr so stdout stays for command output), and the bridge
// that routes the Temporal SDK's own logs, native core included, through it.
import pino from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { scrubValue } from '../llm/endpoint';
import { UserError } from './errors';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const CHOICES = { JOSH_LOG_LEVEL: LEVELS, JOSH_LOG_FORMAT: ['json', 'pretty'] } as const;
const LogEnv = z.object({
  JOSH_LOG_LEVEL: z.enum(LEVELS).default('info'),
  JOSH_LOG_FORMAT: z.enum(CHOICES.JOSH_LOG_FORMAT).optional(),
});

/** Secrets may ride along in error objects and option bags; pino blanks these paths. */
export const REDACT_PATHS = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'password',
  'token',
].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `*.headers.${k}`]);

export interface LoggerOptions {
  level?: pino.LevelWithSilent;
  format?: 'json' | 'pretty';
  /** Defaults to stderr. */
  destination?: pino.DestinationStream;
  env?: NodeJS.ProcessEnv;
}

export function createLogger(opts: LoggerOptions = {}): pino.Logger {
  const parsed = LogEnv.safeParse(opts.env ?? process.env);
  if (!parsed.success) {
    // One message per variable, naming its own choices (JOSH_LOG_FORMAT's are not the levels).
    const variable = String(parsed.error.issues[0]?.path[0]) as keyof typeof CHOICES;
    const got = (opts.env ?? process.env)[variable];
    throw new UserError(`${variable}: expected one of ${CHOICES[variable].join(', ')}, got "${got}"`);
  }
  const level = opts.level ?? parsed.data.JOSH_LOG_LEVEL;
  const format = opts.format ?? parsed.data.JOSH_LOG_FORMAT ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // A key can also hide in text (a provider's error message, a URL): every string a line
    // carries is scrubbed of anything key-like before it is written.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubValue(a)) as Parameters<typeof method>);
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  // Synchronous writes: a worker killed mid-flight still leaves its last lines on disk/terminal.
  const stream =
    format === 'pretty'
      ? pretty({ destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ fd: 2, sync: true });
  return pino(options, stream);
}

let root: pino.Logger | undefined;
/** The shared root logger, created on first use from the environment. */
export function rootLogger(): pino.Logger {
  root ??= createLogger();
  return root;
}

const TEMPORAL_TO_PINO: Record<LogLevel, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** SDK warnings that describe an expected situation, logged at debug instead: the LLM-queue
 * worker has no workflows by design; and after a cancel, a model call that was already on the
 * wire completes into a workflow that has ended (its result is dropped, as it must be). A late
 * completion for any other reason (an activity past its timeout) stays a warning. */
function expectedSdkWarning(message: string, meta?: LogMetadata): boolean {
  if (message.startsWith('No workflows registered')) return true;
  return (
    message.startsWith('Activity not found on completion') &&
    /workflow execution already completed/.test(String(meta?.details ?? ''))
  );
}

/** How long a repeated SDK warning is held back after it was logged (see PinoTemporalLogger). */
export const SDK_REPEAT_WINDOW_MS = 30_000;

/**
 * Adapts pino to the SDK's Logger interface (levels upper-case, metadata second).
 *
 * While the Temporal server is down or failing, core warns once per failed call ("Network error
 * while completing activity", "gRPC call ... retried 5 times"): ~100 lines in fifteen seconds of
 * a small run, which bury the progress line and the one line that says what is wrong. A warning
 * whose message (numbers aside) and core target were already logged in the last `repeatWindowMs` is counted
 * instead, and the count is logged once, at the end of that window, with the last occurrence's
 * metadata. Errors and other levels always go through.
 */
export class PinoTemporalLogger implements TemporalLogger {
  private readonly held = new Map<string, { count: number; meta?: LogMetadata }>();
  constructor(
    private readonly logger: pino.Logger,
    private readonly repeatWindowMs = SDK_REPEAT_WINDOW_MS,
    /** A CLI command whose progress line says what is being retried ("retrying: HTTP 500 from the
     * model (userTurn, attempt 4)"): the SDK's own "Activity failed" warning, a raw JSON line in
     * the middle of it, goes to debug. A `josh worker` keeps it: its log is all it has. */
    private readonly retriesShownElsewhere = false,
  ) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const expected =
      level === 'WARN' &&
      (expectedSdkWarning(message, meta) || (this.retriesShownElsewhere && message === 'Activity failed'));
    const pinoLevel = expected ? 'debug' : (TEMPORAL_TO_PINO[level] ?? 'info');
    if (pinoLevel === 'warn' && this.repeatWindowMs > 0) {
      // Numbers left out of the key: "retried 5 times", "retried 6 times" are one warning.
      const key = `${message.replace(/\d+/g, '#')}\u0000${String(meta?.target ?? '')}`;
      const seen = this.held.get(key);
      if (seen) {
        seen.count++;
        seen.meta = meta;
        return;
      }
      // unref: a held count must not keep a finished process alive.
      setTimeout(() => this.release(key, message), this.repeatWindowMs).unref();
      this.held.set(key, { count: 0 });
    }
    this.logger[pinoLevel](plain(meta), message);
  }
  /** The end of a warning's window: how many more there were, if any. */
  private release(key: string, message: string): void {
    const seen = this.held.get(key);
    this.held.delete(key);
    if (!seen?.count) return;
    const secs = Math.round(this.repeatWindowMs / 1000);
    this.logger.warn(
      { ...plain(seen.meta), repeated: seen.count },
      `${message} (${seen.count} more in ${secs}s)`,
    );
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The SDK may key metadata by symbols; pino only prints string keys, so keep those. */
function plain(meta?: LogMetadata): Record<string, unknown> {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(meta)) out[key] = meta[key];
  return out;
}
