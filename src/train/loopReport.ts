// A campaign's one-page report (markdown): per round, the data harvested, the training job, the
// eval with its interval, the paired delta against the previous round with its p-value, and cost.
import type { Interval } from '../eval/stats';
import type { LoopEval, LoopProgress, LoopRound } from './loopApi';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const ci = (i: Interval): string => `${pct(i.estimate)} [${pct(i.low)}, ${pct(i.high)}]`;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(1)} pts`;
const cell = (s: string): string => s.replace(/\|/g, '\\|');

function evalLine(e: LoopEval): string {
  return `${ci(e.successRate)} (${e.conversations} conv.)`;
}

function roundRow(r: LoopRound): string {
  const h = r.harvest;
  const t = r.train;
  const c = r.comparison;
  const cells = [
    String(r.round),
    cell(r.agentModel),
    h
      ? `${h.conversations} conv., ${h.succeeded} reached reward 1; ${t ? `${t.examples} ${t.format} examples` : '—'}`
      : '—',
    t
      ? `${t.status}${t.jobId ? ` (${t.jobId})` : ''}${t.trainedTokens !== null ? `, ${t.trainedTokens} tokens` : ''}`
      : '—',
    r.eval ? evalLine(r.eval) : '—',
    c ? `${signed(c.success.estimate)} [${signed(c.success.low)}, ${signed(c.success.high)}]` : '—',
    c ? c.success.pValue.toFixed(3) : '—',
    r.cost ? `$${r.cost.usd.toFixed(r.cost.usd < 1 ? 4 : 2)}${r.cost.unpriced.length ? '*' : ''}` : 'n/a',
  ];
  return `| ${cells.join(' | ')} |`;
}

export function formatLoopReport(p: LoopProgress): string {
  const rounds = [...p.completed, ...(p.current ? [p.current] : [])];
  const lines = [
    `# Campaign ${p.id}: ${p.status}`,
    '',
    `Started ${p.startedAt}${p.finishedAt ? `, finished ${p.finishedAt}` : ''}; ${p.completed.length} of at most ${p.rounds} rounds done.`,
    p.base
      ? `Base model ${p.base.agentModel}: eval success ${evalLine(p.base)}.`
      : 'Base model: not evaluated yet.',
    `Best model so far: **${p.bestModel}**.`,
    p.stopReason ? `Stopped: ${p.stopReason}.` : `Now: ${p.phase}.`,
    '',
    '| round | agent harvested with | data harvested | training job | eval success (95% CI) | Δ success vs previous (95% CI) | p | cost |',
    '|---|---|---|---|---|---|---|---|',
    ...rounds.map(roundRow),
    '',
    ...rounds.flatMap((r) => [
      `- Round ${r.round}: ${r.train?.fineTunedModel ? `trained ${r.train.fineTunedModel}` : 'no model yet'}` +
        `${r.comparison ? `; reward Δ ${r.comparison.reward.estimate.toFixed(3)} (p ${r.comparison.reward.pValue.toFixed(3)}), ${r.comparison.pairs} pairs against ${r.comparison.against}` : ''}` +
        `${r.decision ? `; ${r.decision}` : ''}.`,
    ]),
    '',
    'Deltas are paired (same tasks and trials) with task-level bootstrap intervals; cost counts the model calls of the round’s harvest and eval (* some models unpriced).',
    '',
  ];
  return lines.join('\n');
}
