// A pool of gRPC stream workers for the Temporal server's frontend, history and matching services,
// added at build time to both binaries this project builds (the CLI's dev server and `josh
// cluster`'s server; issue 17). grpc-go's default runs every request on a fresh goroutine, which
// starts with a small stack and grows it by copying, again and again, as the request goes down
// into the store: in a perf profile of the dev server during a c8x1 `child` bench row, stack growth
// was ~8 % of its samples. With `grpc.NumStreamWorkers`, requests run on long-lived goroutines whose
// stacks have grown already (a request finding them all busy still gets a goroutine of its own, so
// long polls never queue behind each other). Measured, the same build with and without, interleaved:
// server CPU per model call 22.7, 22.1, 21.9 against 20.6, 20.3, 20.5 (docs/benchmark.md).
//
// Built the same way as ./cliMetricsSwitch.ts: the server's module is linked from Go's download,
// the three edited files written, and the build's `-modfile` points the module at that directory.
import { applyModuleEdits, writeEditedModule, type Edit } from './goModulePatch';

/** Part of the cache entries' names: a binary built without the workers is another build. */
export const SERVER_STREAM_WORKERS_ID = 'streamworkers';

export const SERVER_MODULE = 'go.temporal.io/server';

/** Per service. More than this machine's cores: long polls hold a worker for up to a minute. */
export const STREAM_WORKERS = 16;

const NEW_SERVER_FIND = '\treturn grpc.NewServer(grpcServerOptions...)\n';
const NEW_SERVER_REPLACE =
  `\t// josh-harvest (src/temporal/serverStreamWorkers.ts): requests on workers with grown stacks.\n` +
  `\treturn grpc.NewServer(append(grpcServerOptions, grpc.NumStreamWorkers(${STREAM_WORKERS}))...)\n`;

export const SERVER_EDITS: Edit[] = [
  { file: 'service/history/fx.go', find: NEW_SERVER_FIND, replace: NEW_SERVER_REPLACE },
  { file: 'service/matching/fx.go', find: NEW_SERVER_FIND, replace: NEW_SERVER_REPLACE },
  {
    file: 'service/frontend/fx.go',
    find: '\treturn GrpcServerOptions{Options: grpcServerOptions, UnaryInterceptors: unaryInterceptors}\n',
    replace:
      `\t// josh-harvest (src/temporal/serverStreamWorkers.ts): requests on workers with grown stacks.\n` +
      `\tgrpcServerOptions = append(grpcServerOptions, grpc.NumStreamWorkers(${STREAM_WORKERS}))\n` +
      '\treturn GrpcServerOptions{Options: grpcServerOptions, UnaryInterceptors: unaryInterceptors}\n',
  },
];

/** Applies the edits to `text` (the server's `file`); throws naming the text not found. */
export function applyServerEdits(file: string, text: string): string {
  return applyModuleEdits(
    file,
    text,
    SERVER_EDITS,
    "the Temporal server's",
    'the stream workers edits (src/temporal/serverStreamWorkers.ts)',
  );
}

/** Makes the server's module with the workers in `outDir/server`; returns the go.mod `replace` line. */
export function writeServerWithStreamWorkers(
  outDir: string,
  buildModuleDir: string,
  env: NodeJS.ProcessEnv,
): string {
  return writeEditedModule(outDir, SERVER_MODULE, SERVER_EDITS, applyServerEdits, buildModuleDir, env);
}
