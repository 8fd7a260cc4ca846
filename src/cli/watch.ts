// Live progress of a running harvest/eval (a progress bar in a terminal, a line every few
// seconds otherwise), with what is failing while the run stands still, then the final summary;
// a run that failed ends in one line saying why.
import cliProgress from 'cli-progress';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { findRunProblem, formatRunProblem, plainReason } from '../client/runs';
import { FINAL_PROGRESS_MEMO, progressQuery, type HarvestProgress } from '../shared/harvestApi';
import { UserError } from '../util/errors';
import { failureLine } from '../workflows/failures';

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');

export function llmCalls(p: HarvestProgress): number {
  return p.usage.agent.calls + p.usage.user.calls;
}
export function tokens(p: HarvestProgress): number {
  const u = p.usage;
  return u.agent.promptTokens + u.agent.completionTokens + u.user.promptTokens + u.user.completionTokens;
}

/** Why a run is stuck is looked up only after it has not moved for this long, and not more often. */
export const STUCK_CHECK_MS = 5_000;

export async function watchRun(
  handle: WorkflowHandle,
  opts: {
    tty: boolean;
    out: NodeJS.WritableStream;
    intervalMs?: number;
    webUi?: string | null;
    /** Default STUCK_CHECK_MS. */
    stuckCheckMs?: number;
    /** A progress query not answered in this long counts as no answer. Default STUCK_CHECK_MS. */
    queryTimeoutMs?: number;
    /** Aborted when the user interrupts: the watch stops writing (its worker is going away, so
     * the queries would only go unanswered) and never returns; the interrupt ends the process. */
    signal?: AbortSignal;
  },
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
            '{bar} {value}/{total} conversations | success {success} | LLM calls {calls} | tokens {tokens} | ETA {etaText}{note}',
          hideCursor: true,
          clearOnComplete: false,
          stream: opts.out as NodeJS.WriteStream,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let lastLine = '';
  let lastLineAt = 0;
  // While the run stands still: what its workflows are retrying (else the latest failure).
  const stuckCheckMs = opts.stuckCheckMs ?? STUCK_CHECK_MS;
  let moved = '';
  let movedAt = Date.now();
  let checkedAt = 0;
  let problem: string | null = null;
  const lookWhyStuck = async (p: HarvestProgress): Promise<void> => {
    const mark = `${p.done}/${llmCalls(p)}/${tokens(p)}/${p.status}`;
    if (mark !== moved) {
      moved = mark;
      movedAt = Date.now();
      problem = null;
      return;
    }
    if (p.status !== 'running' || Date.now() - movedAt < stuckCheckMs) return;
    if (Date.now() - checkedAt < stuckCheckMs) return;
    checkedAt = Date.now();
    const found = await findRunProblem(handle.client, handle.workflowId).catch(() => null);
    if (found) problem = `retrying: ${formatRunProblem(found)}`;
    else if (p.lastError) problem = `last failure: ${plainReason(p.lastError)}`;
    else problem = null;
  };
  const render = (p: HarvestProgress): void => {
    if (opts.signal?.aborted) return;
    // Before the run's setup has listed its tasks there is nothing to count ("0/0").
    if (p.total === 0 && p.done === 0 && !problem) return;
    firstDone ??= p.done;
    const doneHere = p.done - firstDone;
    const elapsed = (Date.now() - started) / 1000;
    const eta = doneHere > 0 ? ((p.total - p.done) * elapsed) / doneHere : NaN;
    const fields = {
      success: pct(p.succeeded, p.done),
      calls: fmtInt(llmCalls(p)),
      tokens: fmtInt(tokens(p)),
      etaText: Number.isFinite(eta) ? `${Math.round(eta)}s` : '…',
      note: problem ? ` | ${problem}` : '',
    };
    if (bar) {
      if (!bar.isActive) bar.start(p.total, p.done, fields);
      bar.setTotal(p.total);
      bar.update(p.done, fields);
      return;
    }
    const line = `${p.done}/${p.total} conversations, success ${fields.success}, LLM calls ${fields.calls}, tokens ${fields.tokens}, ETA ${fields.etaText}${problem ? `; ${problem}` : ''}`;
    if (line !== lastLine && Date.now() - lastLineAt > 5000) {
      opts.out.write(`${line}\n`);
      lastLine = line;
      lastLineAt = Date.now();
    }
  };
  // The last progress shown, and since when the progress query has gone unanswered and why: a
  // server that is down, wedged or overloaded (or a worker that does not answer queries) must not
  // look like a run that is merely slow.
  let shown: HarvestProgress | null = null;
  let unanswered: { since: number; reason: string } | null = null;
  const queryTimeoutMs = opts.queryTimeoutMs ?? STUCK_CHECK_MS;
  while (!finished) {
    if (opts.signal?.aborted) {
      bar?.stop();
      return new Promise<never>(() => undefined);
    }
    const asked = Date.now();
    try {
      const p = await withinMs(handle.query(progressQuery), queryTimeoutMs);
      if (unanswered && problem?.startsWith(NO_ANSWER)) problem = null; // answered again
      unanswered = null;
      shown = p;
      await lookWhyStuck(p);
      render(p);
    } catch (err) {
      // A moment without an answer is normal (between continue-as-new generations, before the
      // first workflow task); one that lasts is said on the progress line, and the watch goes on.
      unanswered ??= { since: asked, reason: '' };
      unanswered.reason = unansweredReason(err);
      const secs = Math.round((Date.now() - unanswered.since) / 1000);
      if (shown && !finished && Date.now() - unanswered.since >= stuckCheckMs) {
        problem = `${NO_ANSWER} for ${secs}s (${unanswered.reason}); still trying`;
        render(shown);
      }
    }
    await Promise.race([
      result.catch(() => undefined),
      new Promise((r) => setTimeout(r, opts.intervalMs ?? 500)),
    ]);
  }
  let final: HarvestProgress;
  try {
    final = await result;
  } catch (err) {
    bar?.stop();
    return endedWithoutResult(handle, err);
  }
  problem = null;
  render(final);
  bar?.stop();
  return final;
}

const NO_ANSWER = 'no answer from Temporal';
class NoAnswer extends Error {}

/** `promise`, or a NoAnswer after `ms` (the query itself is left to finish or fail on its own). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`no reply within ${Math.round(ms / 1000)}s`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Why the progress query failed, in a few words: the server's own reason where it gave one
 * ("shard status unknown", "connection refused at ..."), not the client's "Failed to query". */
function unansweredReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const raw = err.cause instanceof Error ? err.cause.message : err.message;
  // A gRPC error's message is "<code> <NAME>: <details>"; the details are the reason.
  return plainReason(raw.replace(/^\d+ [A-Z_]+: /, ''));
}

/** A run that failed, was terminated or timed out: one line saying why (a UserError, exit 1). A
 * cancelled one: its final progress, which it leaves in its memo. */
async function endedWithoutResult(handle: WorkflowHandle, err: unknown): Promise<HarvestProgress> {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const id = handle.workflowId;
  if (err.cause instanceof CancelledFailure) {
    const memo = await handle
      .describe()
      .then((d) => d.memo?.[FINAL_PROGRESS_MEMO] as HarvestProgress | undefined)
      .catch(() => undefined);
    if (memo) return memo;
    throw new UserError(`run ${id} was cancelled`, 1);
  }
  // The innermost cause: a run refused by its setup activity fails with "Activity task failed",
  // whose cause says what was wrong (e.g. the directory holds another run).
  const why = failureLine(err.cause ?? err);
  const status = err.cause?.name === 'TerminatedFailure' ? 'was terminated' : 'failed';
  const plain = plainReason(why);
  throw new UserError(`run ${id} ${status}${plain !== why ? ` (${plain})` : ''}: ${why}`, 1);
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
