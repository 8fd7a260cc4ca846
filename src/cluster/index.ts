// A PostgreSQL-backed Temporal cluster on this machine (issue 16): what docker-compose.yml runs,
// from the same deploy/temporal/ files, without Docker. Steps: a PostgreSQL of its own
// (postgres.ts), the schema steps (deploy/temporal/setup-schema.sh with the provisioned
// temporal-sql-tool), the real server (server.ts, config/josh.yaml), then the namespace and the
// search attributes (deploy/temporal/setup-namespace.sh with the provisioned temporal CLI).
// State lives in one directory; `up` on a directory used before reuses its database.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, isListening } from '../temporal/ports';
import { provisionTemporalCli } from '../temporal/provision';
import { provisionTemporalServer, type ProvisionedServer } from '../temporal/provisionServer';
import { deployFile, PORT_VARS, type PortVar } from './deploy';
import {
  initPostgres,
  postgresPid,
  startPostgres,
  stopPostgres,
  type PostgresInfo,
  type PostgresOptions,
} from './postgres';
import { spawnServer, tail, waitServerReady, type ServerProcess } from './server';
import { processAlive } from '../util/process';
import { mkdirs } from '../util/mkdirs';

export interface ClusterOptions {
  /** Directory of the cluster's state (database, logs, cluster.json). */
  dir: string;
  /** gRPC port of the frontend; 0 (default) picks a free one. */
  port?: number;
  namespace?: string;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
  durable?: boolean;
  postgres?: Pick<PostgresOptions, 'binDir' | 'runAs'>;
  /** Server log level (config/josh.yaml's LOG_LEVEL), default warn. */
  logLevel?: string;
  readyTimeoutMs?: number;
  /** Start the server so that it outlives this process (`josh cluster up --detach`). */
  detached?: boolean;
}

/** What `up` writes to `<dir>/cluster.json`, so `down`/`status` (and a second `up`) find it. */
export interface ClusterState {
  address: string;
  namespace: string;
  postgres: PostgresInfo;
  ports: Record<PortVar, number>;
  serverPid: number | null;
  serverLog: string;
  version: string;
}

export interface Cluster {
  readonly address: string;
  readonly namespace: string;
  readonly dir: string;
  readonly postgres: PostgresInfo;
  readonly serverLog: string;
  readonly provisioned: ProvisionedServer;
  /** The current server process. */
  server(): ServerProcess;
  postgresPid(): number | null;
  /** Stops (SIGTERM, or SIGKILL with `kill`) and starts the server on the same ports and database. */
  restartServer(how?: { kill?: boolean; downMs?: number }): Promise<void>;
  /** Stops PostgreSQL (`immediate` is a crash) and starts it again on the same data. */
  restartPostgres(how?: { mode?: 'fast' | 'immediate'; downMs?: number }): Promise<void>;
  /** The server (SIGTERM), then PostgreSQL (fast shutdown). */
  stop(): Promise<void>;
}

const stateFile = (dir: string) => path.join(dir, 'cluster.json');

export function readClusterState(dir: string): ClusterState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return null;
  }
}

function writeState(dir: string, s: ClusterState): void {
  const tmp = `${stateFile(dir)}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 }); // holds the DB password
  fs.renameSync(tmp, stateFile(dir));
}

/** Runs one of deploy/temporal's setup scripts with `sh`, failing with its output. */
function runScript(name: string, env: Record<string, string>, logFile: string): void {
  const r = spawnSync('sh', [deployFile(name)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 300_000,
  });
  fs.appendFileSync(logFile, `\n# ${new Date().toISOString()} ${name}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.error || r.status !== 0) {
    const said = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(`deploy/temporal/${name} failed (${r.error?.message ?? `exit ${r.status}`}):\n${said}`);
  }
}

/**
 * A free port for one of the server's services. Not the OS's pick: ephemeral ports are above
 * 32767 and the server stores its members' ports in a PostgreSQL smallint (cluster_membership),
 * so a member on such a port fails to start ("out of range for type smallint").
 */
async function freeServicePort(): Promise<number> {
  const taken = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || (await isListening('127.0.0.1', port, 200))) continue;
    taken.add(port);
    if (await canBind(port)) return port;
  }
  return freePort(); // nothing free in the range: let the server say why
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const dir = path.resolve(o.dir);
  const namespace = o.namespace ?? 'default';
  mkdirs(dir);
  // PostgreSQL may run as another account (we are root): it must be able to enter this directory.
  if (process.getuid?.() === 0) fs.chmodSync(dir, 0o755);
  const [provisioned, cli] = await Promise.all([
    provisionTemporalServer({ log }),
    provisionTemporalCli({ log }),
  ]);

  const previous = readClusterState(dir);
  let pgInfo: PostgresInfo;
  let ports: Record<PortVar, number>;
  if (previous) {
    pgInfo = previous.postgres;
    ports = previous.ports;
    if (o.port) ports.FRONTEND_GRPC_PORT = o.port;
    log(`cluster: reusing the database in ${pgInfo.dataDir}`);
  } else {
    const pgPort = await freePort();
    pgInfo = initPostgres({ dir, port: pgPort, durable: o.durable, ...o.postgres });
    ports = {} as Record<PortVar, number>;
    for (const v of PORT_VARS) ports[v] = await freeServicePort();
    if (o.port) ports.FRONTEND_GRPC_PORT = o.port;
    log(`cluster: PostgreSQL initialised in ${pgInfo.dataDir} (port ${pgPort})`);
  }
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const serverLog = path.join(dir, 'temporal-server.log');
  const setupLog = path.join(dir, 'setup.log');

  startPostgres(pgInfo);
  const dbEnv = {
    POSTGRES_SEEDS: pgInfo.host,
    DB_PORT: String(pgInfo.port),
    POSTGRES_USER: pgInfo.user,
    POSTGRES_PWD: pgInfo.password,
  };
  try {
    runScript(
      'setup-schema.sh',
      { ...dbEnv, SQL_TOOL: provisioned.sqlTool, SCHEMA_DIR: provisioned.schemaDir },
      setupLog,
    );
  } catch (err) {
    stopPostgres(pgInfo);
    throw err;
  }
  log('cluster: schemas temporal and temporal_visibility up to date');

  const serverEnv = {
    ...dbEnv,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: deployFile('dynamicconfig.yaml'),
    LOG_LEVEL: o.logLevel ?? 'warn',
  };
  const readyMs = o.readyTimeoutMs ?? 180_000;
  const launch = () =>
    spawnServer({ bin: provisioned.server, env: serverEnv, ports, logFile: serverLog, detached: o.detached });
  let server = launch();
  const save = () =>
    writeState(dir, {
      address,
      namespace,
      postgres: pgInfo,
      ports,
      serverPid: server.pid > 0 ? server.pid : null,
      serverLog,
      version: provisioned.version,
    });
  save();
  try {
    await waitServerReady(address, null, server, serverLog, readyMs);
    runScript(
      'setup-namespace.sh',
      { TEMPORAL_BIN: cli.path, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
      setupLog,
    );
    await waitServerReady(address, namespace, server, serverLog, readyMs);
  } catch (err) {
    await server.stop(5_000);
    stopPostgres(pgInfo);
    throw err;
  }
  log(`cluster: ${provisioned.version} on PostgreSQL ready at ${address}, namespace ${namespace}`);

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    address,
    namespace,
    dir,
    postgres: pgInfo,
    serverLog,
    provisioned,
    server: () => server,
    postgresPid: () => postgresPid(pgInfo),
    async restartServer(how = {}) {
      await (how.kill ? server.kill() : server.stop());
      await sleep(how.downMs ?? 0);
      server = launch();
      save();
      await waitServerReady(address, namespace, server, serverLog, readyMs);
    },
    async restartPostgres(how = {}) {
      stopPostgres(pgInfo, how.mode ?? 'fast');
      await sleep(how.downMs ?? 0);
      startPostgres(pgInfo);
    },
    async stop() {
      await server.stop();
      stopPostgres(pgInfo);
    },
  };
}

/** Stops a cluster another process started (`josh cluster down`): its server by pid, then its
 * PostgreSQL. Returns what it did. */
export async function stopClusterDir(dir: string): Promise<string[]> {
  const s = readClusterState(path.resolve(dir));
  if (!s) return [`no cluster state in ${dir}`];
  const done: string[] = [];
  if (s.serverPid && processAlive(s.serverPid)) {
    process.kill(s.serverPid, 'SIGTERM');
    const until = Date.now() + 20_000;
    while (processAlive(s.serverPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    if (processAlive(s.serverPid)) process.kill(s.serverPid, 'SIGKILL');
    done.push(`temporal-server (pid ${s.serverPid}) stopped`);
  }
  const pid = postgresPid(s.postgres);
  stopPostgres(s.postgres);
  if (pid) done.push(`PostgreSQL (pid ${pid}) stopped`);
  return done.length ? done : ['nothing was running'];
}

export { tail };
