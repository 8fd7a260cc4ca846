// Where the Temporal cluster is and how to authenticate, from flags and the environment (the same
// variable names as the `temporal` CLI), so one worker runs against the local dev server, a
// self-hosted cluster (mTLS) or Temporal Cloud (API key). The API key is never logged.
import { lookup } from 'node:dns/promises';
import * as fs from 'node:fs';
import { createConnection, isIP } from 'node:net';
import { z } from 'zod';
import { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { UserError } from '../util/errors';
import { ClosableConnection } from './closableConnection';

/** Flags as commander hands them over; each overrides its environment variable. */
export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/** For each field: the flag and the variable, so an error names what the user actually set. */
const SOURCES = {
  address: ['--address', 'TEMPORAL_ADDRESS'],
  namespace: ['--namespace', 'TEMPORAL_NAMESPACE'],
  apiKey: ['--api-key', 'TEMPORAL_API_KEY'],
  tls: ['--tls', 'TEMPORAL_TLS'],
  tlsCert: ['--tls-cert', 'TEMPORAL_TLS_CERT'],
  tlsKey: ['--tls-key', 'TEMPORAL_TLS_KEY'],
  tlsCa: ['--tls-ca', 'TEMPORAL_TLS_CA'],
} as const satisfies Record<keyof ConnectionFlags, readonly [string, string]>;

const readableFile = z.string().refine(
  (p) => {
    try {
      fs.accessSync(p, fs.constants.R_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
  { message: 'must be a readable file' },
);

export const ConnectionConfig = z
  .object({
    address: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'must be host:port, e.g. localhost:7233'),
    namespace: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a namespace name, e.g. default'),
    apiKey: z.string().min(1, 'must not be empty').optional(),
    tls: z.boolean().optional(),
    tlsCert: readableFile.optional(),
    tlsKey: readableFile.optional(),
    tlsCa: readableFile.optional(),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.tlsCert) !== Boolean(c.tlsKey)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.tlsCert ? 'tlsKey' : 'tlsCert'],
        message: 'mTLS needs both a client certificate and its key',
      });
    }
  });
export type ConnectionConfig = z.output<typeof ConnectionConfig>;

const boolFromEnv = (v: string | undefined): boolean | string | undefined => {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  return v; // left as a string so zod reports it
};

export function resolveConnectionConfig(
  flags: ConnectionFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ConnectionConfig {
  const pick = (k: keyof ConnectionFlags) => flags[k] ?? (env[SOURCES[k][1]] || undefined);
  const raw = {
    address: pick('address') ?? 'localhost:7233',
    namespace: pick('namespace') ?? 'default',
    apiKey: pick('apiKey'),
    tls: flags.tls ?? boolFromEnv(env.TEMPORAL_TLS),
    tlsCert: pick('tlsCert'),
    tlsKey: pick('tlsKey'),
    tlsCa: pick('tlsCa'),
  };
  const parsed = ConnectionConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as keyof ConnectionFlags;
    const [flag, variable] = SOURCES[key];
    const from = flags[key] !== undefined ? flag : variable;
    // Never echo a key back; paths and addresses are fine to show.
    const shown = key === 'apiKey' ? '' : ` (got ${JSON.stringify(raw[key])})`;
    return `${from}: ${issue.message}${shown}`;
  });
  // One problem, one line (as every CLI error); several, one line each under a heading.
  throw new UserError(
    lines.length === 1
      ? `invalid Temporal connection settings: ${lines[0]}`
      : `invalid Temporal connection settings:\n  ${lines.join('\n  ')}`,
  );
}

/** TLS is on when asked, or implied by an API key (Temporal Cloud) or client certificates. */
export function tlsConfig(c: ConnectionConfig) {
  const wanted = c.tls ?? Boolean(c.apiKey || c.tlsCert || c.tlsCa);
  if (!wanted) return false;
  return {
    clientCertPair:
      c.tlsCert && c.tlsKey ? { crt: fs.readFileSync(c.tlsCert), key: fs.readFileSync(c.tlsKey) } : undefined,
    serverRootCACertificate: c.tlsCa ? fs.readFileSync(c.tlsCa) : undefined,
  };
}

/** A one-line description safe for logs: never contains the key. */
export function describeConnection(c: ConnectionConfig): string {
  const auth = [tlsConfig(c) ? 'tls' : 'plaintext', c.tlsCert ? 'mTLS cert' : '', c.apiKey ? 'api key' : '']
    .filter(Boolean)
    .join(', ');
  return `${c.address} namespace=${c.namespace} (${auth})`;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** A client Connection that is known to reach the namespace, or a UserError within the timeout. */
export async function connectClient(
  c: ConnectionConfig,
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<Connection> {
  await preflight(c, timeoutMs);
  // lazy + ensureConnected (rather than connect) so a failed attempt still leaves us a handle to
  // close: an orphaned gRPC channel would keep retrying in the background.
  const conn = ClosableConnection.lazyClosable({
    address: c.address,
    tls: tlsConfig(c),
    apiKey: c.apiKey,
    connectTimeout: timeoutMs,
  });
  try {
    await conn.ensureConnected();
  } catch (err) {
    await conn.close();
    throw unreachable(c, err, timeoutMs);
  }
  return withNamespace(conn, c);
}

/** A worker NativeConnection, with the same fail-fast behaviour (core would wait ~30 s). */
export async function connectWorker(
  c: ConnectionConfig,
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<NativeConnection> {
  await preflight(c, timeoutMs);
  // Lazy: loading the native bridge is only worth it in processes that run workers.
  const { NativeConnection } = await import('@temporalio/worker');
  const attempt = NativeConnection.connect({
    address: c.address,
    tls: tlsConfig(c),
    apiKey: c.apiKey,
    ...(isLoopbackAddress(c.address) ? { grpcCompression: { codec: 'none' as const } } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Timeout expired')), timeoutMs);
  });
  let conn: NativeConnection;
  try {
    conn = await Promise.race([attempt, timeout]);
  } catch (err) {
    // If the attempt succeeds after we gave up, close it so it does not keep the process alive.
    attempt.then((late) => late.close()).catch(() => undefined);
    throw unreachable(c, err, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
  return withNamespace(conn, c);
}

/**
 * True for a host:port on this machine's loopback (localhost, 127.0.0.0/8, ::1): the embedded dev
 * server, `josh server`, a local cluster. A worker's connection to it goes without gRPC compression.
 * Core compresses by default (gzip), and the server then compresses every response in kind: each
 * poll's workflow history, each task's payloads. Across loopback that buys no time and costs CPU
 * on both ends, CPU the model calls need on one machine (issue 17): ~3 % of the dev server's and
 * ~1 % of the worker's samples in a c8x1 `child` profile (docs/benchmark.md). A remote server
 * (Temporal Cloud, a cluster elsewhere) keeps core's default, where the bytes saved are worth it.
 */
export function isLoopbackAddress(address: string): boolean {
  const host = address
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A host name that does not resolve, or a port that refuses connections, is said as such at once:
 * gRPC would only report its deadline. Anything else is left to the connection itself. */
async function preflight(c: ConnectionConfig, timeoutMs: number): Promise<void> {
  const host = c.address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  const port = Number(c.address.slice(c.address.lastIndexOf(':') + 1));
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  try {
    if (!isIP(host)) await Promise.race([lookup(host), giveUp]);
    await Promise.race([tcpOpens(host, port), giveUp]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'ECONNREFUSED'].includes(code))
      throw unreachable(c, err, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

function tcpOpens(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

/** Both connection kinds: the namespace must exist (and our credentials must reach it). */
interface NamespaceCheckable {
  workflowService: { describeNamespace(req: { namespace: string }): Promise<unknown> };
  close(): Promise<void>;
}

async function withNamespace<T extends NamespaceCheckable>(conn: T, c: ConnectionConfig): Promise<T> {
  try {
    await conn.workflowService.describeNamespace({ namespace: c.namespace });
  } catch (err) {
    await conn.close();
    throw namespaceError(c, err);
  }
  return conn;
}

function unreachable(c: ConnectionConfig, err: unknown, timeoutMs: number): UserError {
  const reason = connectReason(err, timeoutMs);
  // A server that speaks plaintext (a dev server, `josh server`) never answers a TLS handshake: the
  // connection opens and then times out. Without this hint the user was told to start a server
  // that was running; TLS was on because an API key (or a certificate) was given.
  const tlsImplied = c.tls === undefined && Boolean(c.apiKey || c.tlsCert || c.tlsCa);
  if (tlsImplied && reason.startsWith('no answer')) {
    return new UserError(
      `cannot reach Temporal at ${c.address}: ${reason} over TLS, which is on because ` +
        `${c.apiKey ? 'an API key' : 'a TLS certificate'} is set; a server without TLS (the dev ` +
        'server, `josh server`) needs TEMPORAL_TLS=false',
    );
  }
  return new UserError(
    `cannot reach Temporal at ${c.address}: ${reason} ` +
      '(start one with `npx josh server`, or set TEMPORAL_ADDRESS / --address)',
  );
}

function namespaceError(c: ConnectionConfig, err: unknown): UserError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/not found/i.test(msg))
    return new UserError(`namespace "${c.namespace}" does not exist at ${c.address}`);
  if (/unauthenticated|permission|unauthorized|401|403/i.test(msg)) {
    return new UserError(
      `Temporal at ${c.address} refused our credentials for namespace "${c.namespace}": ${firstLine(msg)}`,
    );
  }
  return new UserError(
    `Temporal at ${c.address} did not answer for namespace "${c.namespace}": ${firstLine(msg)}`,
  );
}

/** Turns gRPC/tonic transport errors into a few words a person can act on. */
export function connectReason(err: unknown, timeoutMs: number): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/connection refused|ECONNREFUSED/i.test(msg)) return 'connection refused';
  if (/dns error|name or service not known|ENOTFOUND|EAI_AGAIN|EAI_NONAME/i.test(msg))
    return 'host name does not resolve';
  if (/timeout|deadline/i.test(msg)) return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  if (/certificate|tls|handshake|ssl/i.test(msg)) return `TLS failed: ${firstLine(msg)}`;
  return firstLine(msg);
}

const firstLine = (s: string) => (s.split('\n')[0] ?? '').slice(0, 200);
