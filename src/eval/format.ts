// Readable text for eval and compare summaries: aligned tables, intervals as "est [low, high]".
import type { Comparison, MetricComparison } from './compare';
import type { EvalSummary, GroupMetrics } from './metrics';
import type { Interval } from './stats';

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
export const dec = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');
const signed = (s: string): string => (s.startsWith('-') ? s : `+${s}`);

export function interval(i: Interval, f: (x: number) => string): string {
  return `${f(i.estimate)} [${f(i.low)}, ${f(i.high)}]`;
}

/** A p-value; at the bootstrap's floor 1/(B+1) it says "≤" — no resample was as extreme. */
export function formatP(p: number, resamples?: number): string {
  if (!Number.isFinite(p)) return '-';
  const floor = resamples !== undefined && p <= 1 / (resamples + 1) + 1e-15 ? '≤ ' : '';
  return floor + (p < 0.001 ? p.toExponential(1) : p.toFixed(3));
}

/** A difference of two rates, in percentage points. */
const pp = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} pp` : '-');

/** Rows as aligned columns; numbers-ish columns (all cells start with a digit/sign) align right. */
export function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const right = header.map((_, i) => i > 0 && rows.every((r) => /^[-+\d$]/.test(r[i])));
  const line = (cells: string[]): string =>
    indent +
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function groupRow(name: string, g: GroupMetrics): string[] {
  return [
    name,
    String(g.tasks),
    String(g.conversations),
    interval(g.successRate, pct),
    interval(g.averageReward, dec),
  ];
}

const GROUP_HEADER = ['', 'tasks', 'conv.', 'success rate [95% CI]', 'average reward [95% CI]'];

export function formatEval(s: EvalSummary): string {
  const level = `${Math.round(s.bootstrap.level * 100)}%`;
  const out: string[] = [
    `Evaluation ${s.runId} (${s.mode}, ${s.env}/${s.split}): agent ${s.agentModel} at temperature ${s.agentTemperature}, user ${s.userSim} ${s.userModel}`,
    `  conversations ${s.conversations}${s.expected !== null ? ` of ${s.expected}` : ''} (${s.overall.tasks} tasks × ${s.trials} trial${s.trials > 1 ? 's' : ''})`,
    `  ${level} confidence intervals: percentile bootstrap over tasks, ${fmtInt(s.bootstrap.resamples)} resamples, seed "${s.bootstrap.seed}"`,
    '',
  ];
  const rows = [groupRow('all tasks', s.overall)];
  if (s.solvable) rows.push(groupRow('solvable subset', s.solvable));
  out.push(...table(GROUP_HEADER, rows));
  if (s.unsolvableTasks) {
    out.push(`  (${s.unsolvableTasks} tasks cannot reach 1.0 even by their own goal calls; spec 4.5)`);
  }
  if (s.unknownTasks) out.push(`  (${s.unknownTasks} task ids are not in the environment's data: no domain)`);
  if (s.passK.length) {
    out.push('', 'pass^k (τ-bench: C(c,k)/C(n,k) per task, averaged over tasks)');
    out.push(
      ...table(
        ['k', 'tasks', `pass^k [${level} CI]`],
        s.passK.map((p) => [String(p.k), String(p.tasks), interval(p, dec)]),
      ),
    );
  }
  if (s.domains.length) {
    out.push('', 'Per domain (a multi-domain task counts in each of its domains)');
    out.push(
      ...table(
        ['domain', ...GROUP_HEADER.slice(1)],
        s.domains.map((d) => groupRow(d.domain, d)),
      ),
    );
  }
  out.push('', 'Usage');
  out.push(
    ...table(
      ['role', 'LLM calls', 'calls/conv.', 'prompt tokens', 'completion tokens', 'tokens/conv.'],
      (['agent', 'user'] as const).map((r) => {
        const u = s.usage[r];
        return [
          r,
          fmtInt(u.calls),
          u.perConversation.calls.toFixed(1),
          fmtInt(u.promptTokens),
          fmtInt(u.completionTokens),
          fmtInt(u.perConversation.tokens),
        ];
      }),
    ),
  );
  if (s.cost) out.push(`  estimated cost: ${formatCost(s.cost)}`);
  return out.join('\n');
}

export function formatCost(c: NonNullable<EvalSummary['cost']>): string {
  const missing = c.missing.length ? ` (no price for ${c.missing.join(', ')})` : '';
  return `$${c.total.toFixed(4)}${missing}`;
}

export function formatComparison(c: Comparison): string {
  const level = `${Math.round(c.bootstrap.level * 100)}%`;
  const side = (x: Comparison['a']): string =>
    `${x.runId} (${x.mode}, ${x.split}, agent ${x.agentModel} at temperature ${x.agentTemperature}, ${x.conversations} conversations)`;
  const row = (
    name: string,
    m: MetricComparison,
    f: (x: number) => string,
    fd: (x: number) => string,
  ): string[] => [
    name,
    f(m.a),
    f(m.b),
    signed(fd(m.delta.estimate)),
    `[${fd(m.delta.low)}, ${fd(m.delta.high)}]`,
    formatP(m.delta.pValue, c.bootstrap.resamples),
  ];
  const out = [
    `A: ${side(c.a)}`,
    `B: ${side(c.b)}`,
    `paired on ${c.shared.pairs} shared (task, trial) pairs over ${c.shared.tasks} tasks` +
      (c.onlyA || c.onlyB ? ` (${c.onlyA} only in A, ${c.onlyB} only in B, left out)` : ''),
    '',
    ...table(
      ['metric', 'A', 'B', 'B − A', `${level} CI of B − A`, 'p (two-sided)'],
      [row('success rate', c.success, pct, pp), row('average reward', c.reward, dec, dec)],
    ),
    '',
    `  paired bootstrap over tasks, ${fmtInt(c.bootstrap.resamples)} resamples, seed "${c.bootstrap.seed}"`,
  ];
  for (const w of c.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}
