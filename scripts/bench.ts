// `npm run bench`: what the orchestration costs and how far it scales (docs/benchmark.md).
//
// Everything runs for real and on this machine: a Temporal dev server (a fresh one per measured
// row, its store a SQLite file like `josh harvest`'s embedded server), the simulated
// model as its own process (`josh sim-model`, fixed latency; one per --latency-ms value), and
// `josh worker` processes on a task queue of their own. Every scenario runs once per turn shape
// (--turns: each agent turn a child workflow, or activity work of the conversation) and per model
// latency. For each it starts a warm-up harvest, then the measured one, and reports:
//   - orchestration CPU per model call: CPU milliseconds of the Temporal server and the workers
//     (/proc) ÷ the model calls the simulated model served during the measured harvest — the
//     figure issue 17 targets, comparable across load unlike wall time;
//   - history events per model call: the events of every conversation and agent-turn workflow of
//     the harvest ÷ the same model calls (each event is a store write and a worker hand-off);
//   - overhead ratio per conversation: wall time (the workflow's own start/finish stamps) ÷ its
//     critical-path bound. The bound is what a perfect orchestrator would need: per search step,
//     the longest chain of sequential model calls (the most agent calls any leaf made in that
//     step's turn, + 1 for the user's reply), + 1 for the opening, all × the model latency;
//   - throughput: conversations per minute and model calls per second over the whole harvest;
//   - CPU seconds per conversation of the workers, the Temporal server and the model;
//   - worker peak RSS (VmHWM) and history events per conversation (its own and with its turns).
//
//   npm run bench [-- --latency-ms 200[,1000] --turns child,activity --beam 4 --max-steps 8
//                     --user goal --sqlite-pragma synchronous=off,...
//                     --scenarios single,c1x1,c8x1,c32x1,c1x2,c8x2,c32x2,val100 --json out.json
//                     --cluster]
//
// --cluster measures against the real Temporal server on PostgreSQL (`josh cluster`, what
// docker-compose.yml runs) instead of the dev server: server CPU is temporal-server's, and the
// database's CPU (the postmaster and every backend) is its own column.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { RunConfig, TURN_SHAPES, type RunConfigInput, type TurnShape } from '../src/config/run';
import { startCluster } from '../src/cluster';
import { startOrAttach } from '../src/runtime/startRun';
import type { HarvestProgress } from '../src/shared/harvestApi';
import type { ConversationResult, TreeNode } from '../src/shared/results';
import { describeUnexpected } from '../src/util/errors';
import { OUT_OF_CALLS_MESSAGE } from '../src/shared/messages';
import {
  DEV_SERVER_SQLITE_PRAGMAS,
  DevServerStartError,
  dynamicConfigArgs,
  startDevServer,
} from '../src/temporal/devServer';
import { perCall, scrapeServer, serverMix } from './benchServerMetrics';
import { freePort } from '../src/temporal/ports';
import { provisionTemporalCli } from '../src/temporal/provision';
import { hopProfile, hopTable } from './benchHops';
import { cpuSeconds, peakRssMiB, startJosh, stop, treeCpuSeconds, waitFor, type Proc } from './benchProcs';
import { HEAP_GROWING_ENV, heapGrowingPercent } from '../src/runtime/heapPolicy';
import { DEFAULT_SCENARIOS, scenarioOf, type Scenario } from './benchScenarios';
import { eventMix, shapeComparison, table, targetLines, type Row, type Skipped } from './benchReport';

const USAGE = `npm run bench [-- options]   (docs/benchmark.md says what each figure means)
  --scenarios single,c1x1,c8x1,c32x1,c1x2,c8x2,c32x2,val100   (default ${DEFAULT_SCENARIOS})
  --turns child,activity     turn shapes, each scenario once per shape
  --latency-ms 200[,1000]    the simulated model's latency; a list sweeps it
  --beam 4 --branching 2 --max-steps 8 --user goal --split val --rounds 2 --min-conversations 4
  --sqlite-pragma k=v,...    replaces the dev server's SQLite pragmas (file store)
  --dynamic-config k=v,...   extra dev server dynamic config (a later value of a key wins)
  --worker-args "..."        extra flags for every josh worker
  --cpu-prof DIR             run the workers under node --cpu-prof into DIR
  --server-metrics           also count the dev server's requests and writes per model call (its
                             Prometheus endpoint, which costs the server CPU the product does not spend)
  --cluster                  against josh cluster's PostgreSQL-backed server instead
  --json FILE                also write the rows as JSON
  --keep-dir                 keep each row's server, worker and run files
  --help                     this`;

function parseFlags() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    // node's own message ("Unknown option '--x'. To specify a positional argument ...") says what
    // was wrong; the stack under it says nothing to someone running a benchmark.
    process.stderr.write(`bench: ${(err as Error).message.split('. ')[0]}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

const OPTIONS = {
  /** One latency, or a comma-separated sweep (e.g. 200,1000): every scenario runs at each. */
  'latency-ms': { type: 'string', default: '200' },
  /** Turn shapes to measure, each scenario once per shape. */
  turns: { type: 'string', default: TURN_SHAPES.join(',') },
  beam: { type: 'string', default: '4' },
  branching: { type: 'string', default: '2' },
  'max-steps': { type: 'string', default: '8' },
  user: { type: 'string', default: 'goal' },
  split: { type: 'string', default: 'val' },
  /** Conversations per harvest = concurrency × rounds (at least `min-conversations`). */
  rounds: { type: 'string', default: '2' },
  'min-conversations': { type: 'string', default: '4' },
  scenarios: { type: 'string', default: DEFAULT_SCENARIOS },
  /** The dev server's store: only `file` (what `josh harvest` runs on); the check below says why. */
  store: { type: 'string', default: 'file' },
  /** Replaces the dev server's SQLite pragmas (file store), e.g. synchronous=off,journal_mode=WAL. */
  'sqlite-pragma': { type: 'string' },
  /** Extra dynamic config of the dev server, e.g. matching.numTaskqueueReadPartitions=1; a key
   * that DEV_SERVER_DYNAMIC_CONFIG also sets takes this value (the CLI keeps the last one). */
  'dynamic-config': { type: 'string' },
  json: { type: 'string' },
  'keep-dir': { type: 'boolean', default: false },
  /** Extra flags for every `josh worker` (e.g. "--llm-concurrency 64"). */
  'worker-args': { type: 'string', default: '' },
  /** Run workers under `node --cpu-prof` into this directory. */
  'cpu-prof': { type: 'string' },
  /** Start the dev server with its Prometheus endpoint and print its request mix. Off by default:
   * `josh harvest`'s server runs without one (src/temporal/cliMetricsSwitch.ts), and recording
   * the metrics costs the server ~4 ms of CPU per model call that the CPU columns must not carry. */
  'server-metrics': { type: 'boolean', default: false },
  /** Against the PostgreSQL-backed server of `josh cluster` (a fresh one per row) instead of
   * the dev server; the database's CPU (postmaster and backends) is reported on its own. */
  cluster: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;
const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

// Checked before any row: the workers it is passed to would refuse a bad value at start.
const WORKER_HEAP = (() => {
  try {
    return workerHeap();
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const LATENCIES = list(flags['latency-ms']).map((s) => {
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : fail(`--latency-ms: ${s} is not a number of milliseconds`);
});
const SHAPES = list(flags.turns).map((s) =>
  (TURN_SHAPES as readonly string[]).includes(s)
    ? (s as TurnShape)
    : fail(`--turns: the run config knows no turn shape "${s}" (it knows ${TURN_SHAPES.join(', ')})`),
);
// The in-memory store is gone: the dev server's SQLite driver drops a connection that a deadline
// interrupted, and an in-memory database goes with it (deploy/temporal-build/interrupt_test.go).
if (flags.store === 'memory')
  fail(
    '--store memory: no longer offered; the dev server runs on a SQLite file, since its driver ' +
      'loses an in-memory database when a deadline interrupts the connection (README, "The Temporal CLI")',
  );
if (flags.store !== 'file') fail('--store: file (the only store the dev server runs on)');
if (flags['server-metrics'] && flags.cluster)
  fail('--server-metrics: the dev server only (not with --cluster)');
/** `a=1,b=2` as { a: '1', b: '2' }; anything else stops the bench, naming the flag. */
function nameValues(flag: string, spec: string): Record<string, string> {
  return Object.fromEntries(
    list(spec).map((kv) => {
      const [k, v] = kv.split('=');
      return k && v ? [k, v] : fail(`--${flag}: ${kv} is not name=value`);
    }),
  );
}

const PRAGMAS: Readonly<Record<string, string>> = flags['sqlite-pragma']
  ? nameValues('sqlite-pragma', flags['sqlite-pragma'])
  : DEV_SERVER_SQLITE_PRAGMAS;

const EXTRA_DYNAMIC_CONFIG = nameValues('dynamic-config', flags['dynamic-config'] ?? '');

// ---------------------------------------------------------------------------------------------
// the critical-path bound of one conversation, from its result file

const isLlmMessage = (m: { role: string; content?: string | null }): boolean =>
  m.role === 'assistant' && m.content !== OUT_OF_CALLS_MESSAGE;

/** Sequential model calls a perfect orchestrator could not avoid (see the header). */
export function criticalPathCalls(result: Pick<ConversationResult, 'tree'>): number {
  const perStep = new Map<number, { agent: number; userReply: boolean }>();
  for (const node of result.tree as TreeNode[]) {
    for (const turn of node.turns) {
      const s = perStep.get(turn.step) ?? { agent: 0, userReply: false };
      s.agent = Math.max(s.agent, turn.messages.filter(isLlmMessage).length);
      if (turn.userReply !== null) s.userReply = true;
      perStep.set(turn.step, s);
    }
  }
  let calls = 1; // the opening
  for (const s of perStep.values()) calls += s.agent + (s.userReply ? 1 : 0);
  return calls;
}

// ---------------------------------------------------------------------------------------------

interface Model {
  proc: Proc;
  url: string;
  latencyMs: number;
}

/** Completions the simulated model has served so far (its GET /stats). */
async function modelCalls(model: Model): Promise<number> {
  const res = await fetch(`${model.url}/stats`);
  const stats = (await res.json()) as { completions: number };
  return stats.completions;
}

/** Workflows of a harvest other than the harvest itself: their kind and history length. */
async function harvestWorkflows(
  client: Client,
  harvestId: string,
): Promise<{ turns: number; ownEvents: number; allEvents: number }> {
  const out = { turns: 0, ownEvents: 0, allEvents: 0 };
  for await (const wf of client.workflow.list({ query: `JoshHarvestId="${harvestId}"` })) {
    if (wf.workflowId === harvestId) continue;
    const n = wf.historyLength ?? 0;
    const kind = wf.searchAttributes?.JoshKind?.[0];
    out.allEvents += n;
    if (kind === 'conversation') out.ownEvents += n;
    if (kind === 'turn') out.turns++;
  }
  return out;
}

interface Ctx {
  dir: string;
  cliPath: string;
  model: Model;
}

async function runRow(sc: Scenario, shape: TurnShape, ctx: Ctx): Promise<Row | Skipped> {
  const latencyMs = ctx.model.latencyMs;
  const tag = `${sc.name}-${shape}-${latencyMs}ms`;
  const rowDir = path.join(ctx.dir, tag);
  fs.mkdirSync(rowDir, { recursive: true });
  // A fresh server per row: each measurement starts from an empty store of the same size, and a
  // row's server CPU is its own.
  const server = await startServer(rowDir, ctx.cliPath);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const taskQueue = `bench-${tag}-${Date.now()}`;
  const runsDir = path.join(rowDir, 'runs');
  const workers: Proc[] = [];
  try {
    for (let i = 0; i < sc.workers; i++) {
      const nodeArgs = flags['cpu-prof']
        ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags['cpu-prof'], `${tag}-w${i}`)]
        : [];
      workers.push(
        startJosh(
          [
            'worker',
            '--task-queue',
            taskQueue,
            '--runs-dir',
            runsDir,
            ...list(flags['worker-args'].replace(/\s+/g, ',')),
          ],
          {
            TEMPORAL_ADDRESS: server.address,
            OPENAI_BASE_URL: `${ctx.model.url}/v1`,
            JOSH_LOG_LEVEL: 'info',
            JOSH_LOG_FORMAT: 'json',
          },
          path.join(rowDir, `worker${i}.log`),
          nodeArgs,
        ),
      );
    }
    for (const w of workers) await waitFor(w, /worker running/, 'worker');

    // Warm up first (data loaded, code compiled, the server's caches filled) on tasks the measured
    // run does not use, in the same turn shape: it also tells whether the workflows honour it.
    const warmId = `bench-warmup-${tag}-${Date.now()}`;
    const warm = RunConfig.parse({
      id: warmId,
      split: flags.split,
      start: 400,
      limit: sc.workers * 2,
      concurrency: sc.workers * 2,
      beamSize: 2,
      maxSteps: 2,
      userSim: flags.user as 'goal',
      turns: shape,
      outDir: path.join(runsDir, warmId),
    } satisfies RunConfigInput);
    await (await startOrAttach(client, warm, taskQueue)).handle.result();
    if (shape !== 'child') {
      await new Promise((r) => setTimeout(r, 1_000)); // visibility catches up
      const { turns } = await harvestWorkflows(client, warmId);
      if (turns > 0) {
        return {
          scenario: sc.name,
          turns: shape,
          latencyMs,
          reason:
            `the workflows do not honour turns=${shape} yet: its warm-up harvest still ran ${turns} ` +
            'agent turns as child workflows (issue 17: the lead’s turn-shape change has not landed)',
        };
      }
    }

    const id = `bench-${tag}-${Date.now()}`;
    const runDir = path.join(runsDir, id);
    const input: RunConfigInput = {
      id,
      split: flags.split,
      limit: sc.conversations,
      concurrency: sc.concurrency,
      beamSize: sc.beamSize ?? Number(flags.beam),
      branching: Number(flags.branching),
      ...(sc.maxSteps === null ? {} : { maxSteps: sc.maxSteps ?? Number(flags['max-steps']) }),
      userSim: flags.user as 'goal',
      turns: shape,
      seed: 'bench',
      outDir: runDir,
    };
    const config = RunConfig.parse(input);
    const before = {
      workers: workers.map((w) => cpuSeconds(w.child.pid)),
      server: cpuSeconds(server.pid()),
      database: treeCpuSeconds(server.databasePid()),
      model: cpuSeconds(ctx.model.proc.child.pid),
      calls: await modelCalls(ctx.model),
      counts: server.metricsUrl ? await scrapeServer(server.metricsUrl) : undefined,
    };
    const t0 = Date.now();
    const { handle } = await startOrAttach(client, config, taskQueue);
    const progress = (await handle.result()) as HarvestProgress;
    const wallS = (Date.now() - t0) / 1000;
    const cpu = {
      workers: workers.reduce((a, w, i) => a + cpuSeconds(w.child.pid) - before.workers[i], 0),
      server: cpuSeconds(server.pid()) - before.server,
      database: treeCpuSeconds(server.databasePid()) - before.database,
      model: cpuSeconds(ctx.model.proc.child.pid) - before.model,
    };
    const served = (await modelCalls(ctx.model)) - before.calls;
    const counts = server.metricsUrl ? await scrapeServer(server.metricsUrl) : undefined;
    const rss = workers.map((w) => Math.round(peakRssMiB(w.child.pid)));

    // Overhead per conversation, from the result files.
    const convDir = path.join(runDir, 'conversations');
    const results = fs
      .readdirSync(convDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(convDir, f), 'utf8')) as ConversationResult);
    const ratios = results
      .map((r) => {
        const wall = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
        return wall / (criticalPathCalls(r) * latencyMs);
      })
      .sort((a, b) => a - b);

    // Let visibility catch up with the closed workflows before counting their events.
    await new Promise((r) => setTimeout(r, 2_000));
    const wfs = await harvestWorkflows(client, id);
    const types = new Map<string, number>();
    const hops = await hopProfile(client, id, 4, types);
    const sampled = [...types.values()].reduce((a, b) => a + b, 0);

    const n = results.length;
    const calls = Math.max(1, served);
    return {
      scenario: sc.name,
      turns: shape,
      latencyMs,
      store: flags.cluster ? 'cluster' : 'file',
      concurrency: sc.concurrency,
      workers: sc.workers,
      beamSize: config.beamSize,
      maxSteps: config.maxSteps,
      conversations: n,
      wallS,
      convPerMin: (n / wallS) * 60,
      callsPerS: served / wallS,
      modelCalls: served,
      harvestLlmCalls: progress.usage.agent.calls + progress.usage.user.calls,
      cpuMsPerCall: {
        server: (cpu.server * 1000) / calls,
        workers: (cpu.workers * 1000) / calls,
        total: ((cpu.server + cpu.workers) * 1000) / calls,
        ...(flags.cluster ? { database: (cpu.database * 1000) / calls } : {}),
      },
      eventsPerCall: wfs.allEvents / calls,
      // The sampled conversations' mix of event types, scaled to the harvest's events per call.
      eventsPerCallByType: [...types]
        .sort((a, b) => b[1] - a[1])
        .map(([type, k]) => ({ type, perCall: (k / Math.max(1, sampled)) * (wfs.allEvents / calls) })),
      ...(before.counts && counts ? { server: perCall(before.counts, counts, calls) } : {}),
      turnWorkflows: wfs.turns,
      overheadMean: ratios.reduce((a, b) => a + b, 0) / n,
      overheadP50: ratios[Math.floor((n - 1) / 2)],
      overheadMax: ratios[n - 1],
      workerPeakRssMiB: rss,
      cpuPerConv: {
        workers: cpu.workers / n,
        server: cpu.server / n,
        model: cpu.model / n,
        ...(flags.cluster ? { database: cpu.database / n } : {}),
      },
      historyEventsPerConv: { own: wfs.ownEvents / n, withTurns: wfs.allEvents / n },
      successRate: progress.succeeded / Math.max(1, progress.done),
      hops,
    };
  } finally {
    for (const w of workers) await stop(w);
    await connection.close();
    await server.stop();
  }
}

interface BenchServer {
  address: string;
  namespace: string;
  /** The dev server's Prometheus endpoint (not measured on the cluster). */
  metricsUrl?: string;
  /** The current server process (a cluster's may be restarted). */
  pid(): number | undefined;
  /** The database's postmaster (`--cluster`), whose process tree is the database's CPU. */
  databasePid(): number | undefined;
  stop(): Promise<void>;
}

/** The dev server (SQLite or memory), or with --cluster the real server on PostgreSQL. */
async function startServer(rowDir: string, cliPath: string): Promise<BenchServer> {
  if (flags.cluster) {
    const c = await startCluster({ dir: path.join(rowDir, 'cluster'), log: () => undefined });
    return {
      address: c.address,
      namespace: c.namespace,
      pid: () => c.server().pid,
      databasePid: () => c.postgresPid() ?? undefined,
      stop: () => c.stop(),
    };
  }
  const metricsPort = flags['server-metrics'] ? await freePort() : undefined;
  const server = await startDevServer({
    cliPath,
    port: 0,
    uiPort: false,
    logFile: path.join(rowDir, 'temporal-server.log'),
    dbFile: path.join(rowDir, 'temporal.db'),
    sqlitePragmas: PRAGMAS,
    extraArgs: [
      ...dynamicConfigArgs(EXTRA_DYNAMIC_CONFIG),
      ...(metricsPort ? ['--metrics-port', String(metricsPort)] : []),
    ],
  });
  return {
    address: server.address,
    ...(metricsPort ? { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` } : {}),
    namespace: server.namespace,
    pid: () => server.pid,
    databasePid: () => undefined,
    stop: () => server.stop(),
  };
}

const LOAD_AT_START = os.loadavg();

/** The workers' heap growth (src/runtime/heapPolicy.ts): they inherit this process's environment. */
function workerHeap(): string {
  const percent = heapGrowingPercent();
  const defaultNote = process.env[HEAP_GROWING_ENV]?.trim() ? '' : ', the default';
  return percent === 0
    ? `V8's own growth (${HEAP_GROWING_ENV}=0)`
    : `full collection at ${1 + percent / 100}× the live old space (${HEAP_GROWING_ENV}=${percent}${defaultNote})`;
}

function machine(): string {
  const cpus = os.cpus();
  return (
    `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.versions.node}, load average at start ` +
    LOAD_AT_START.map((l) => l.toFixed(1)).join(' ')
  );
}

async function main(): Promise<void> {
  const scenarios = list(flags.scenarios).map((s) => {
    try {
      return scenarioOf(s, Number(flags.rounds), Number(flags['min-conversations']));
    } catch (err) {
      return fail(`--scenarios: ${(err as Error).message}`);
    }
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-bench-'));
  // With --cluster and root, PostgreSQL runs as another account that must enter the row dirs.
  if (flags.cluster) fs.chmodSync(dir, 0o755);
  const say = (s: string) => process.stderr.write(`${s}\n`);
  say(`bench: ${machine()}`);
  say(`bench: logs and runs in ${dir}`);
  const cli = await provisionTemporalCli({ log: say });

  const rows: Row[] = [];
  const skipped: Skipped[] = [];
  let finished = false;
  try {
    for (const latencyMs of LATENCIES) {
      const proc = startJosh(
        ['sim-model', '--port', '0', '--latency-ms', String(latencyMs)],
        { JOSH_LOG_LEVEL: 'warn' },
        path.join(dir, `sim-model-${latencyMs}ms.log`),
      );
      try {
        const [, url] = await waitFor(proc, /listening on (http:\/\/\S+)/, 'simulated model');
        for (const sc of scenarios) {
          for (const shape of SHAPES) {
            say(
              `bench: ${sc.name}, turns=${shape}, ${latencyMs} ms model: ${sc.conversations} ` +
                `conversations, ${sc.concurrency} at once, ${sc.workers} worker(s)`,
            );
            const row = await runRow(sc, shape, { dir, cliPath: cli.path, model: { proc, url, latencyMs } });
            if ('reason' in row) {
              say(`bench: skipped: ${row.reason}`);
              skipped.push(row);
              continue;
            }
            rows.push(row);
            say(table([row]).split('\n').slice(2).join('\n'));
            say(hopTable(row.hops));
            say(eventMix(row));
            say(serverMix(row.server));
          }
        }
      } finally {
        await stop(proc);
      }
    }
    finished = true;
  } finally {
    // A failed row's logs (server, workers, model) are what says why: kept, and said where.
    if (!finished) say(`bench: kept ${dir} (the logs of the row that failed)`);
    else if (!flags['keep-dir']) fs.rmSync(dir, { recursive: true, force: true });
  }

  const store = flags.cluster
    ? 'temporal-server on PostgreSQL (josh cluster: deploy/temporal/, fsync off); CPU ms/call "db" is PostgreSQL\'s'
    : `dev server store: SQLite file (${Object.entries(PRAGMAS)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )}), ${flags['server-metrics'] ? 'with its metrics endpoint (--server-metrics)' : 'no metrics endpoint, as josh harvest runs it (src/temporal/cliMetricsSwitch.ts)'}`;
  const settings =
    `model latency ${LATENCIES.join(', ')} ms; beam ${flags.beam}, branching ${flags.branching}, ` +
    `max steps ${flags['max-steps']} (named scenarios pin their own), ${flags.user} user, ` +
    `${flags.split} split; ${store}; worker heap: ${WORKER_HEAP}`;
  const out = (s: string) => process.stdout.write(s);
  out(`\n${machine()}\n${settings}\n\n${table(rows)}\n`);
  for (const s of skipped)
    out(`\n${s.scenario}, turns=${s.turns}, ${s.latencyMs} ms: skipped: ${s.reason}\n`);
  for (const r of rows) {
    out(`\n${r.scenario}, turns=${r.turns}, ${r.latencyMs} ms: hand-offs (first 4 conversations)\n`);
    out(`${hopTable(r.hops)}\n${eventMix(r)}\n${serverMix(r.server)}\n`);
  }
  const twoOverOne = ['c1', 'c8', 'c32'].flatMap((c) =>
    rows
      .filter((r) => r.scenario === `${c}x1`)
      .flatMap((one) => {
        const two = rows.find(
          (r) => r.scenario === `${c}x2` && r.turns === one.turns && r.latencyMs === one.latencyMs,
        );
        return two
          ? [`${c} ${one.turns} ${one.latencyMs} ms: ${(two.convPerMin / one.convPerMin).toFixed(2)}×`]
          : [];
      }),
  );
  if (twoOverOne.length) out(`\ntwo workers ÷ one (throughput): ${twoOverOne.join(', ')}\n`);
  const shapes = shapeComparison(rows);
  if (shapes.length) out(`\nactivity ÷ child (same scenario and latency):\n${shapes.join('\n')}\n`);
  out(`\nagainst issue 17's targets:\n${targetLines(rows).join('\n')}\n`);
  if (flags.json) {
    fs.writeFileSync(flags.json, JSON.stringify({ machine: machine(), settings, rows, skipped }, null, 2));
  }
}

main().catch((err: unknown) => {
  // A dev server that would not start (e.g. a bad --dynamic-config value): what it said and where
  // its log is, as `josh` prints it; the stack of this script adds nothing.
  if (err instanceof DevServerStartError) {
    process.stderr.write(`bench: ${err.reason}; see ${err.logFile}\n`);
    process.exit(1);
  }
  process.stderr.write(`bench: ${err instanceof Error ? describeUnexpected(err) : String(err)}\n`);
  process.exit(1);
});
