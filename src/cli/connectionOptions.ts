// The Temporal connection flags, shared by every command that talks to a cluster. Each flag
// overrides its TEMPORAL_* variable (see src/config/connection.ts, which validates them).
import type { Command } from 'commander';
import type { ConnectionFlags } from '../config/connection';

export type ConnectionOptionFlags = ConnectionFlags;

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal frontend (TEMPORAL_ADDRESS, default localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (TEMPORAL_NAMESPACE, default "default")')
    .option('--api-key <key>', 'API key, e.g. Temporal Cloud; prefer TEMPORAL_API_KEY (flags show in `ps`)')
    .option('--tls', 'use TLS even without a key or certificate (TEMPORAL_TLS)')
    .option('--tls-cert <file>', 'mTLS client certificate, PEM (TEMPORAL_TLS_CERT)')
    .option('--tls-key <file>', 'mTLS client private key, PEM (TEMPORAL_TLS_KEY)')
    .option('--tls-ca <file>', 'CA that signed the server certificate, PEM (TEMPORAL_TLS_CA)');
}

/** Whether a command's own process runs a worker: always with its embedded server (no Temporal
 * address named), and with `--worker` against a named one. Such a command reads and checks the
 * run's files here; workers elsewhere may see other files at those paths. */
export function workerRunsHere(flags: { address?: string; worker?: boolean }): boolean {
  return !(flags.address ?? process.env.TEMPORAL_ADDRESS) || flags.worker === true;
}
