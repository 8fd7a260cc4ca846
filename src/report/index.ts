// `josh report`: a run directory (harvest, baseline or eval) → one self-contained HTML file with
// the run's summary and every conversation's JOSH search tree (docs/evaluation.md).
import * as path from 'node:path';
import type { Environment } from '../env/types';
import type { Prices } from '../eval/cost';
import { loadRunWithTrees } from '../eval/load';
import { unfinishedNote } from '../export/load';
import { writeFileAtomic } from '../util/atomicWrite';
import { UserError } from '../util/errors';
import { buildReportData } from './data';
import { renderReportHtml } from './html';

export const DEFAULT_UI_URL = 'http://localhost:8233';
export const REPORT_FILE = 'report.html';

export interface WriteReportOptions {
  out?: string;
  uiUrl?: string;
  namespace?: string;
  /** Resolved after the run has loaded, so a bad run directory is reported first. */
  environment: (name: string) => Environment | null;
  /** A data file the environment could not read while the report looked up its tasks: throw to
   * fail the report, return to write it without domains and goal names. Unset: it fails. */
  onDataError?: (err: UserError) => void;
  prices?: Prices;
  now?: Date;
}

export interface ReportSummary {
  file: string;
  bytes: number;
  conversations: number;
  /** Set when the run has not finished: the report holds only what was written so far. */
  unfinished: string | null;
}

export function writeReport(runDir: string, opts: WriteReportOptions): ReportSummary {
  const run = loadRunWithTrees(runDir);
  const build = (environment: Environment | null) =>
    buildReportData(run, {
      uiUrl: opts.uiUrl ?? DEFAULT_UI_URL,
      namespace: opts.namespace ?? 'default',
      environment,
      prices: opts.prices,
      now: opts.now,
    });
  const environment = opts.environment(run.manifest.config.env);
  let data: ReturnType<typeof build>;
  try {
    data = build(environment);
  } catch (err) {
    if (environment === null || !(err instanceof UserError) || !opts.onDataError) throw err;
    opts.onDataError(err);
    data = build(null);
  }
  const html = renderReportHtml(data);
  const file = path.resolve(opts.out ?? path.join(runDir, REPORT_FILE));
  writeFileAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    conversations: run.conversations.length,
    unfinished: unfinishedNote(run.manifest, run.conversations.length),
  };
}
