// What the bench prints: one table row per scenario × turn shape × model latency, the two turn
// shapes side by side, and the figures against issue 17's targets.
import type { TurnShape } from '../src/config/run';
import type { HopStats } from './benchHops';
import type { ServerPerCall } from './benchServerMetrics';

export interface Row {
  scenario: string;
  turns: TurnShape;
  latencyMs: number;
  /** The server's store: the dev server's SQLite (file or memory), or PostgreSQL under the real
   * server (`--cluster`). */
  store: 'file' | 'memory' | 'cluster';
  concurrency: number;
  workers: number;
  beamSize: number;
  maxSteps: number;
  conversations: number;
  wallS: number;
  convPerMin: number;
  callsPerS: number;
  /** Completions the simulated model served during the measured harvest (retries included). */
  modelCalls: number;
  /** Model calls the harvest itself counted (agent + user usage). */
  harvestLlmCalls: number;
  /** Orchestration CPU milliseconds per served model call: the dev server, the workers, both. */
  cpuMsPerCall: { server: number; workers: number; total: number; database?: number };
  /** History events of the harvest's conversations and agent turns per served model call. */
  eventsPerCall: number;
  /** Events per call by history event type: the first conversations' mix (benchHops.ts), scaled
   * to `eventsPerCall`; most frequent first. */
  eventsPerCallByType: { type: string; perCall: number }[];
  /** The dev server's requests and store writes per served model call (benchServerMetrics.ts). */
  server?: ServerPerCall;
  /** Agent-turn child workflows the harvest ran (0 in the `activity` shape). */
  turnWorkflows: number;
  overheadMean: number;
  overheadP50: number;
  overheadMax: number;
  workerPeakRssMiB: number[];
  cpuPerConv: { workers: number; server: number; model: number; database?: number };
  historyEventsPerConv: { own: number; withTurns: number };
  successRate: number;
  /** Server and worker hand-offs of the first conversations (benchHops.ts). */
  hops: HopStats;
}

/** A row the bench could not measure (a turn shape the workflows do not run yet). */
export interface Skipped {
  scenario: string;
  turns: TurnShape;
  latencyMs: number;
  reason: string;
}

export function table(rows: Row[]): string {
  const head = [
    'scenario',
    'turns',
    'model ms',
    'conc',
    'workers',
    'convs',
    'wall s',
    'conv/min',
    'calls/s',
    'model calls',
    'CPU ms/call srv+wrk=total',
    'events/call',
    'overhead mean',
    'p50',
    'max',
    'peak RSS MiB',
    'CPU s/conv w/srv/model',
    'events/conv own/all',
    'success',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.turns,
    String(r.latencyMs),
    String(r.concurrency),
    String(r.workers),
    String(r.conversations),
    r.wallS.toFixed(1),
    r.convPerMin.toFixed(1),
    r.callsPerS.toFixed(1),
    String(r.modelCalls),
    `${r.cpuMsPerCall.server.toFixed(1)}+${r.cpuMsPerCall.workers.toFixed(1)}=${r.cpuMsPerCall.total.toFixed(1)}` +
      (r.cpuMsPerCall.database === undefined ? '' : ` db ${r.cpuMsPerCall.database.toFixed(1)}`),
    r.eventsPerCall.toFixed(1),
    r.overheadMean.toFixed(2),
    r.overheadP50.toFixed(2),
    r.overheadMax.toFixed(2),
    r.workerPeakRssMiB.join('+'),
    `${r.cpuPerConv.workers.toFixed(2)}/${r.cpuPerConv.server.toFixed(2)}/${r.cpuPerConv.model.toFixed(2)}`,
    `${r.historyEventsPerConv.own.toFixed(0)}/${r.historyEventsPerConv.withTurns.toFixed(0)}`,
    `${(r.successRate * 100).toFixed(0)}%`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** For every scenario and latency measured in both shapes: activity's figures ÷ child's. */
export function shapeComparison(rows: Row[]): string[] {
  return rows
    .filter((r) => r.turns === 'child')
    .flatMap((child) => {
      const act = rows.find(
        (r) => r.turns === 'activity' && r.scenario === child.scenario && r.latencyMs === child.latencyMs,
      );
      if (!act) return [];
      return [
        `  ${child.scenario} at ${child.latencyMs} ms: wall ${ratio(act.wallS, child.wallS)}, ` +
          `CPU per call ${ratio(act.cpuMsPerCall.total, child.cpuMsPerCall.total)} ` +
          `(${act.cpuMsPerCall.total.toFixed(1)} vs ${child.cpuMsPerCall.total.toFixed(1)} ms), ` +
          `events per call ${ratio(act.eventsPerCall, child.eventsPerCall)}, ` +
          `model calls ${ratio(act.modelCalls, child.modelCalls)}`,
      ];
    });
}

/** Issue 17's targets, per shape: CPU per model call, and the `val100` wall time at 200 ms. */
const CPU_TARGET_MS: Record<TurnShape, number> = { child: 40, activity: 18 };
const VAL100_WALL_TARGET_S: Record<TurnShape, number> = { child: 150, activity: 100 };
const RSS_TARGET_MIB = 600;

export function targetLines(rows: Row[]): string[] {
  const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const lines: string[] = [];
  for (const r of rows) {
    const at = `${r.scenario} turns=${r.turns} ${r.latencyMs} ms`;
    const cpuTarget = CPU_TARGET_MS[r.turns];
    lines.push(
      `  ${at}: orchestration CPU ${r.cpuMsPerCall.total.toFixed(1)} ms per model call ` +
        `(target ≤ ${cpuTarget}: ${mark(r.cpuMsPerCall.total <= cpuTarget)})`,
    );
    if (r.scenario === 'val100' && r.latencyMs === 200) {
      const wallTarget = VAL100_WALL_TARGET_S[r.turns];
      lines.push(
        `  ${at}: 100 val tasks in ${r.wallS.toFixed(1)} s (target ≤ ${wallTarget} s: ` +
          `${mark(r.wallS <= wallTarget)}; the paper's reference script: ~193 s)`,
      );
    }
    if (r.concurrency >= 32) {
      const peak = Math.max(...r.workerPeakRssMiB);
      lines.push(
        `  ${at}: worker peak RSS ${peak} MiB (target < ${RSS_TARGET_MIB}: ${mark(peak < RSS_TARGET_MIB)})`,
      );
    }
  }
  return lines;
}

/** One line per event type worth a tenth of an event per model call or more. */
export function eventMix(r: Row): string {
  const shown = r.eventsPerCallByType.filter((t) => t.perCall >= 0.1);
  return [
    '  history events per model call by type (mix of the first 4 conversations):',
    ...shown.map((t) => `    ${t.type.padEnd(44)} ${t.perCall.toFixed(2)}`),
  ].join('\n');
}
