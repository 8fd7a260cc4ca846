// A switch that turns the dev server's metrics off, added to the temporal CLI at build time
// (issue 17). `temporal server start-dev` always records Prometheus metrics: without
// `--metrics-port` it picks a free port for them. Recording them is not free: every request and
// store call tags and times itself through tally, and a c8x1 `child` bench row with the endpoint
// against one without (the same binary, interleaved) spent 23.2 against 19.1 ms of server CPU per
// model call (docs/benchmark.md). `josh harvest`'s embedded server never serves those metrics to
// anyone, so it starts with JOSH_DEV_SERVER_METRICS=off; an explicit `--metrics-port` still wins.
//
// As with the SQLite driver (./sqliteStatementCache.ts), the CLI's module is not copied into this
// repository (./goModulePatch.ts): the build links the module Go downloaded, except the one edited
// file, and replaces the module with that directory through the build's `-modfile`. A CLI not
// built by this project (TEMPORAL_CLI, PATH, the SDK's download) ignores the variable and keeps its
// metrics.
import { applyModuleEdits, writeEditedModule, type Edit } from './goModulePatch';

/** Part of the cache entry's name: a CLI built without the switch is another build. */
export const CLI_METRICS_SWITCH_ID = 'metricsoff';

/** Set to `off` in a dev server's environment: no metrics, unless `--metrics-port` is given. */
export const DEV_SERVER_METRICS_ENV = 'JOSH_DEV_SERVER_METRICS';

export const CLI_MODULE = 'github.com/temporalio/cli';

const FILE = 'temporalcli/commands.server.go';

export const CLI_EDITS: Edit[] = [
  {
    file: FILE,
    find: 'import (\n\t"encoding/json"\n\t"fmt"\n\t"strings"\n',
    replace: 'import (\n\t"encoding/json"\n\t"fmt"\n\t"os"\n\t"strings"\n',
  },
  {
    file: FILE,
    find: [
      '\tif opts.MetricsPort == 0 {',
      '\t\topts.MetricsPort = devserver.MustGetFreePort(opts.FrontendIP)',
      '\t} else {',
    ].join('\n'),
    replace: [
      `\tif opts.MetricsPort == 0 && os.Getenv("${DEV_SERVER_METRICS_ENV}") == "off" {`,
      '\t\t// josh-harvest (src/temporal/cliMetricsSwitch.ts): port 0 leaves the server without metrics.',
      '\t} else if opts.MetricsPort == 0 {',
      '\t\topts.MetricsPort = devserver.MustGetFreePort(opts.FrontendIP)',
      '\t} else {',
    ].join('\n'),
  },
  {
    file: FILE,
    find: '\tcctx.Printer.Printlnf("%-8s http://%v:%v/metrics", "Metrics:", toFriendlyIp(opts.FrontendIP), opts.MetricsPort)\n',
    replace:
      '\tif opts.MetricsPort > 0 {\n' +
      '\t\tcctx.Printer.Printlnf("%-8s http://%v:%v/metrics", "Metrics:", toFriendlyIp(opts.FrontendIP), opts.MetricsPort)\n' +
      '\t}\n',
  },
];

/** Applies the switch's edits to `text` (the CLI's `file`); throws naming the text not found. */
export function applyCliEdits(file: string, text: string): string {
  return applyModuleEdits(
    file,
    text,
    CLI_EDITS,
    "the temporal CLI's",
    'the metrics switch edits (src/temporal/cliMetricsSwitch.ts)',
  );
}

/** Makes the CLI's module with the switch in `outDir/cli`; returns the go.mod `replace` line. */
export function writeCliWithMetricsSwitch(
  outDir: string,
  buildModuleDir: string,
  env: NodeJS.ProcessEnv,
): string {
  return writeEditedModule(outDir, CLI_MODULE, CLI_EDITS, applyCliEdits, buildModuleDir, env);
}
