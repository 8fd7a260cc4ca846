// Installs the Temporal worker Runtime once per process with our logger, so SDK and native core
// logs come out as the same pino lines as ours. Must run before the first NativeConnection.
import type pino from 'pino';
import { Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { PinoTemporalLogger } from '../util/logger';

let installed = false;

/**
 * `shutdownSignals`: the SDK's default turns SIGINT/SIGTERM into a graceful worker shutdown
 * (right for `josh worker`); test processes pass [] so a SIGTERM from the test runner ends them.
 */
export function installTemporalRuntime(
  logger: pino.Logger,
  opts: { shutdownSignals?: NodeJS.Signals[]; retriesShownElsewhere?: boolean } = {},
): void {
  if (installed) return;
  installed = true;
  // Core's INFO is chatty (every poller start); keep it at WARN unless we are debugging.
  const core: LogLevel = logger.isLevelEnabled('debug') ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new PinoTemporalLogger(
      logger.child({ component: 'temporal-sdk' }),
      undefined,
      opts.retriesShownElsewhere,
    ),
    telemetryOptions: { logging: { forward: {}, filter: { core, other: 'ERROR' } } },
    ...(opts.shutdownSignals ? { shutdownSignals: opts.shutdownSignals } : {}),
  });
}
