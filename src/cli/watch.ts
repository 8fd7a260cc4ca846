// Live progress of a running harvest/eval (a progress bar in a terminal, a line every few
// seconds otherwise), then the final summary.
import cliProgress from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type HarvestProgress } from '../shared/harvestApi';

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

export function llmCalls(p: HarvestProgress): number {
  return p.usage.agent.calls + p.usage.user.calls;
}
export function tokens(p: HarvestProgress): number {
  const u = p.usage;
  return u.agent.promptTokens + u.agent.completionTokens + u.user.promptTokens + u.user.completionTokens;
}

export async function watchRun(
  handle: WorkflowHandle,
  opts: { tty: boolean; out: NodeJS.WritableStream; intervalMs?: number; webUi?: string | null },
): Promise<HarvestProgress> {
  // Above the bar (or the first progress line), so the run's page in the Web UI is one click away.
  if (opts.webUi) opts.out.write(`Web UI (this run's workflows): ${opts.webUi}\n`);
  const result = handle.result() as Promise<HarvestProgress>;
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  const started = Date.now();
  let firstDone: number | null = null;
  const bar = opts.tty
    ? new cliProgress.SingleBar(
        {
          format:
            '{bar} {value}/{total} conversations | success {success} | LLM calls {calls} | tokens {tokens} | ETA {etaText}',
          hideCursor: true,
          clearOnComplete: false,
          stream: opts.out as NodeJS.WriteStream,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let lastLine = '';
  let lastLineAt = 0;
  const render = (p: HarvestProgress): void => {
    firstDone ??= p.done;
    const doneHere = p.done - firstDone;
    const elapsed = (Date.now() - started) / 1000;
    const eta = doneHere > 0 ? ((p.total - p.done) * elapsed) / doneHere : NaN;
    const fields = {
      success: pct(p.succeeded, p.done),
      calls: fmtInt(llmCalls(p)),
      tokens: fmtInt(tokens(p)),
      etaText: Number.isFinite(eta) ? `${Math.round(eta)}s` : '…',
    };
    if (bar) {
      if (!bar.isActive) bar.start(p.total, p.done, fields);
      bar.setTotal(p.total);
      bar.update(p.done, fields);
      return;
    }
    const line = `${p.done}/${p.total} conversations, success ${fields.success}, LLM calls ${fields.calls}, tokens ${fields.tokens}, ETA ${fields.etaText}`;
    if (line !== lastLine && Date.now() - lastLineAt > 5000) {
      opts.out.write(`${line}\n`);
      lastLine = line;
      lastLineAt = Date.now();
    }
  };
  while (!finished) {
    try {
      render(await handle.query(progressQuery));
    } catch {
      // Between continue-as-new generations, or before the first workflow task: try again.
    }
    await Promise.race([
      result.catch(() => undefined),
      new Promise((r) => setTimeout(r, opts.intervalMs ?? 500)),
    ]);
  }
  const final = await result;
  render(final);
  bar?.stop();
  return final;
}

export function summaryLines(p: HarvestProgress, extra: Record<string, string | null> = {}): string[] {
  const u = p.usage;
  const rows: [string, string][] = [
    ['run', `${p.id} (${p.mode}, ${p.env}/${p.split})`],
    ['status', p.status],
    ['conversations', `${p.done}/${p.total}${p.failed ? ` (${p.failed} failed workflows)` : ''}`],
    ['success rate', `${pct(p.succeeded, p.done)} (${p.succeeded}/${p.done})`],
    ['average reward', p.done ? (p.rewardSum / p.done).toFixed(3) : '-'],
    [
      'agent LLM calls',
      `${fmtInt(u.agent.calls)} (${fmtInt(u.agent.promptTokens)} in / ${fmtInt(u.agent.completionTokens)} out tokens)`,
    ],
    [
      'user LLM calls',
      `${fmtInt(u.user.calls)} (${fmtInt(u.user.promptTokens)} in / ${fmtInt(u.user.completionTokens)} out tokens)`,
    ],
    ['run directory', p.runDir],
  ];
  if (p.skippedUnsolvable)
    rows.push(['skipped', `${p.skippedUnsolvable} unsolvable tasks (--include-unsolvable to run them)`]);
  for (const [k, v] of Object.entries(extra)) if (v) rows.push([k, v]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}
