// `npm run bench`: what the orchestration costs and how far it scales (docs/benchmark.md).
//
// Everything runs for real and on this machine: a private in-memory Temporal dev server, the
// simulated model as its own process (`josh sim-model`, fixed latency), and `josh worker`
// processes — one, then two — on a task queue of their own. For each scenario it starts a harvest
// and reports:
//   - overhead ratio per conversation: wall time (the workflow's own start/finish stamps) ÷ its
//     critical-path bound. The bound is what a perfect orchestrator would need: per search step,
//     the longest chain of sequential model calls (the most agent calls any leaf made in that
//     step's turn, + 1 for the user's reply), + 1 for the opening, all × the model latency;
//   - throughput: conversations per minute and model calls per second over the whole harvest;
//   - CPU seconds per conversation of the workers, the Temporal server and the model;
//   - worker peak RSS (VmHWM) and history events per conversation (its own and with its turns).
//
//   npm run bench [-- --latency-ms 200 --beam 4 --max-steps 8 --user goal
//                     --scenarios single,c1x1,c8x1,c32x1,c1x2,c8x2,c32x2 --json out.json]
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { RunConfig, type RunConfigInput } from '../src/config/run';
import { startOrAttach } from '../src/runtime/startRun';
import type { HarvestProgress } from '../src/shared/harvestApi';
import type { ConversationResult, TreeNode } from '../src/shared/results';
import { OUT_OF_CALLS_MESSAGE } from '../src/shared/messages';
import { startDevServer } from '../src/temporal/devServer';
import { provisionTemporalCli } from '../src/temporal/provision';
import { hopProfile, hopTable, type HopStats } from './benchHops';

const ROOT = path.resolve(__dirname, '..');
const JOSH = path.join(ROOT, 'bin', 'josh.js');

const { values: flags } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '200' },
    beam: { type: 'string', default: '4' },
    branching: { type: 'string', default: '2' },
    'max-steps': { type: 'string', default: '8' },
    user: { type: 'string', default: 'goal' },
    split: { type: 'string', default: 'val' },
    /** Conversations per harvest = concurrency × rounds (at least `min-conversations`). */
    rounds: { type: 'string', default: '2' },
    'min-conversations': { type: 'string', default: '4' },
    scenarios: { type: 'string', default: 'single,c1x1,c8x1,c32x1,c1x2,c8x2,c32x2' },
    json: { type: 'string' },
    'keep-dir': { type: 'boolean', default: false },
    /** Extra flags for every `josh worker` (e.g. "--llm-concurrency 64"). */
    'worker-args': { type: 'string', default: '' },
    /** Run workers under `node --cpu-prof` into this directory. */
    'cpu-prof': { type: 'string' },
  },
});

const LATENCY_MS = Number(flags['latency-ms']);

interface Scenario {
  name: string;
  concurrency: number;
  workers: number;
  conversations: number;
}

function scenarioOf(name: string): Scenario {
  const rounds = Number(flags.rounds);
  const min = Number(flags['min-conversations']);
  if (name === 'single') return { name, concurrency: 1, workers: 1, conversations: 1 };
  const m = /^c(\d+)x(\d+)$/.exec(name);
  if (!m) throw new Error(`unknown scenario ${name} (single, or c<concurrency>x<workers>)`);
  const concurrency = Number(m[1]);
  return { name, concurrency, workers: Number(m[2]), conversations: Math.max(min, concurrency * rounds) };
}

// ---------------------------------------------------------------------------------------------
// processes

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function start(args: string[], env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeArgs, JOSH, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  for (const s of [child.stdout!, child.stderr!]) {
    s.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.length > 1_000_000) out = out.slice(-100_000);
      log.write(c);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => out, exited };
}

async function waitFor(p: Proc, pattern: RegExp, what: string, ms = 120_000): Promise<RegExpMatchArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (p.child.exitCode !== null || Date.now() > until) {
      throw new Error(`${what} did not start:\n${p.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

const CLK_TCK = 100;
/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Peak resident set size in MiB (VmHWM). */
function peakRssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

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

interface Row {
  scenario: string;
  concurrency: number;
  workers: number;
  conversations: number;
  wallS: number;
  convPerMin: number;
  callsPerS: number;
  llmCalls: number;
  overheadMean: number;
  overheadP50: number;
  overheadMax: number;
  workerPeakRssMiB: number[];
  cpuPerConv: { workers: number; server: number; model: number };
  historyEventsPerConv: { own: number; withTurns: number };
  successRate: number;
  /** Server and worker hand-offs of the first conversations (benchHops.ts). */
  hops: HopStats;
}

async function runScenario(
  sc: Scenario,
  ctx: {
    client: Client;
    address: string;
    modelUrl: string;
    dir: string;
    serverPid: number;
    modelPid: number;
  },
): Promise<Row> {
  const taskQueue = `bench-${sc.name}-${Date.now()}`;
  const runsDir = path.join(ctx.dir, 'runs');
  const workers: Proc[] = [];
  for (let i = 0; i < sc.workers; i++) {
    const nodeArgs = flags['cpu-prof']
      ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(flags['cpu-prof'], `${sc.name}-w${i}`)]
      : [];
    const extra = flags['worker-args'] ? flags['worker-args'].split(/\s+/).filter(Boolean) : [];
    workers.push(
      start(
        ['worker', '--task-queue', taskQueue, '--runs-dir', runsDir, ...extra],
        {
          TEMPORAL_ADDRESS: ctx.address,
          OPENAI_BASE_URL: ctx.modelUrl,
          JOSH_LOG_LEVEL: 'info',
          JOSH_LOG_FORMAT: 'json',
        },
        path.join(ctx.dir, `${sc.name}-worker${i}.log`),
        nodeArgs,
      ),
    );
  }
  for (const w of workers) await waitFor(w, /worker running/, 'worker');
  // Warm up first (data loaded, code compiled) on tasks the measured run does not use.
  const warm = RunConfig.parse({
    id: `bench-warmup-${sc.name}-${Date.now()}`,
    split: flags.split,
    start: 400,
    limit: sc.workers * 2,
    concurrency: sc.workers * 2,
    beamSize: 2,
    maxSteps: 2,
    userSim: flags.user as 'goal',
  });
  await (await startOrAttach(ctx.client, warm, taskQueue)).handle.result();

  const id = `bench-${sc.name}-${Date.now()}`;
  const runDir = path.join(runsDir, id);
  const input: RunConfigInput = {
    id,
    split: flags.split,
    limit: sc.conversations,
    concurrency: sc.concurrency,
    beamSize: Number(flags.beam),
    branching: Number(flags.branching),
    maxSteps: Number(flags['max-steps']),
    userSim: flags.user as 'goal',
    seed: 'bench',
    outDir: runDir,
  };
  const cpu0 = {
    workers: workers.map((w) => cpuSeconds(w.child.pid)),
    server: cpuSeconds(ctx.serverPid),
    model: cpuSeconds(ctx.modelPid),
  };
  const t0 = Date.now();
  const { handle } = await startOrAttach(ctx.client, RunConfig.parse(input), taskQueue);
  const progress = (await handle.result()) as HarvestProgress;
  const wallS = (Date.now() - t0) / 1000;
  const cpu = {
    workers: workers.reduce((a, w, i) => a + cpuSeconds(w.child.pid) - cpu0.workers[i], 0),
    server: cpuSeconds(ctx.serverPid) - cpu0.server,
    model: cpuSeconds(ctx.modelPid) - cpu0.model,
  };
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
      return wall / (criticalPathCalls(r) * LATENCY_MS);
    })
    .sort((a, b) => a - b);

  // History events: each conversation's own, and with its agent-turn children.
  let own = 0;
  let all = 0;
  // Let visibility catch up with the closed workflows.
  await new Promise((r) => setTimeout(r, 2_000));
  for await (const wf of ctx.client.workflow.list({ query: `JoshHarvestId="${id}"` })) {
    const n = wf.historyLength ?? 0;
    if (wf.workflowId === id) continue;
    all += n;
    if (wf.searchAttributes?.JoshKind?.[0] === 'conversation') own += n;
  }

  const hops = await hopProfile(ctx.client, id);

  for (const w of workers) await stop(w);
  const llmCalls = progress.usage.agent.calls + progress.usage.user.calls;
  const n = results.length;
  return {
    scenario: sc.name,
    concurrency: sc.concurrency,
    workers: sc.workers,
    conversations: n,
    wallS,
    convPerMin: (n / wallS) * 60,
    callsPerS: llmCalls / wallS,
    llmCalls,
    overheadMean: ratios.reduce((a, b) => a + b, 0) / n,
    overheadP50: ratios[Math.floor((n - 1) / 2)],
    overheadMax: ratios[n - 1],
    workerPeakRssMiB: rss,
    cpuPerConv: { workers: cpu.workers / n, server: cpu.server / n, model: cpu.model / n },
    historyEventsPerConv: { own: own / n, withTurns: all / n },
    successRate: progress.succeeded / Math.max(1, progress.done),
    hops,
  };
}

function table(rows: Row[]): string {
  const head = [
    'scenario',
    'conc',
    'workers',
    'convs',
    'wall s',
    'conv/min',
    'calls/s',
    'overhead mean',
    'p50',
    'max',
    'peak RSS MiB',
    'CPU s/conv w/srv/model',
    'events/conv own/all',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.concurrency),
    String(r.workers),
    String(r.conversations),
    r.wallS.toFixed(1),
    r.convPerMin.toFixed(1),
    r.callsPerS.toFixed(1),
    r.overheadMean.toFixed(2),
    r.overheadP50.toFixed(2),
    r.overheadMax.toFixed(2),
    r.workerPeakRssMiB.join('+'),
    `${r.cpuPerConv.workers.toFixed(2)}/${r.cpuPerConv.server.toFixed(2)}/${r.cpuPerConv.model.toFixed(2)}`,
    `${r.historyEventsPerConv.own.toFixed(0)}/${r.historyEventsPerConv.withTurns.toFixed(0)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

const LOAD_AT_START = os.loadavg();

function machine(): string {
  const cpus = os.cpus();
  return (
    `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `${os.type()} ${os.release()}, Node ${process.versions.node}, load average at start ` +
    LOAD_AT_START.map((l) => l.toFixed(1)).join(' ')
  );
}

async function main(): Promise<void> {
  const scenarios = flags.scenarios.split(',').map((s) => scenarioOf(s.trim()));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'josh-bench-'));
  const say = (s: string) => process.stderr.write(`${s}\n`);
  say(`bench: ${machine()}`);
  say(`bench: logs and runs in ${dir}`);

  const cli = await provisionTemporalCli({ log: say });
  const server = await startDevServer({
    cliPath: cli.path,
    port: 0,
    uiPort: false,
    logFile: path.join(dir, 'temporal-server.log'),
  });
  const model = start(
    ['sim-model', '--port', '0', '--latency-ms', String(LATENCY_MS)],
    { JOSH_LOG_LEVEL: 'warn' },
    path.join(dir, 'sim-model.log'),
  );
  const [, modelBase] = await waitFor(model, /listening on (http:\/\/\S+)/, 'simulated model');
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const rows: Row[] = [];
  try {
    for (const sc of scenarios) {
      say(
        `bench: ${sc.name}: ${sc.conversations} conversations, ${sc.concurrency} at once, ${sc.workers} worker(s)`,
      );
      const row = await runScenario(sc, {
        client,
        address: server.address,
        modelUrl: `${modelBase}/v1`,
        dir,
        serverPid: server.pid,
        modelPid: model.child.pid ?? 0,
      });
      rows.push(row);
      say(table([row]).split('\n').slice(2).join('\n'));
      say(hopTable(row.hops));
    }
  } finally {
    await connection.close();
    await stop(model);
    await server.stop();
  }
  const settings =
    `model latency ${LATENCY_MS} ms; beam ${flags.beam}, branching ${flags.branching}, ` +
    `max steps ${flags['max-steps']}, ${flags.user} user, ${flags.split} split`;
  process.stdout.write(`\n${machine()}\n${settings}\n\n${table(rows)}\n`);
  for (const r of rows)
    process.stdout.write(`\n${r.scenario}: hand-offs (first 4 conversations)\n${hopTable(r.hops)}\n`);
  const twoOverOne = ['c1', 'c8', 'c32']
    .map((c) => {
      const one = rows.find((r) => r.scenario === `${c}x1`);
      const two = rows.find((r) => r.scenario === `${c}x2`);
      return one && two ? `${c}: ${(two.convPerMin / one.convPerMin).toFixed(2)}×` : null;
    })
    .filter(Boolean);
  if (twoOverOne.length) process.stdout.write(`\ntwo workers ÷ one (throughput): ${twoOverOne.join(', ')}\n`);
  if (flags.json)
    fs.writeFileSync(flags.json, JSON.stringify({ machine: machine(), settings, rows }, null, 2));
  if (!flags['keep-dir']) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
