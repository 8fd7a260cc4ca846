// `josh data fetch`: download the public MultiWOZ 2.1 archive and the ToolWOZ tool/DB files into
// the layout the loader reads, verifying every sha256 in the manifest. Files already present with
// the right checksum are kept, so a re-run only fetches what is missing; every file is written to a
// temporary name and renamed, so an interrupted fetch never leaves a half file under a real name.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import * as yauzl from 'yauzl';
import { UserError } from '../../util/errors';
import { mkdirs } from '../../util/mkdirs';
import {
  DEFAULT_MANIFEST,
  type ArchiveMember,
  type ChecksumSource,
  type FetchManifest,
} from './fetchManifest';

export interface FetchOptions {
  /** Download from this mirror instead of the public URLs (files at <baseUrl>/<mirrorPath>). */
  baseUrl?: string;
  manifest?: FetchManifest;
  /** Check the checksums that come from a published record (true unless the user opts out). */
  verifyPublished?: boolean;
  /** Give up on a download when the server sends nothing (no response, or a body that stops) for
   * this long. Not a limit on the whole download: a slow link still fetches the large archive. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface FetchReport {
  downloaded: string[];
  kept: string[];
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Copy a stream to `file`, returning the sha256 of the bytes written; `onChunk` sees each chunk
 * arrive (the download's stall timer). */
async function writeHashed(
  source: NodeJS.ReadableStream,
  file: string,
  onChunk: () => void = () => undefined,
): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk();
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, tap, fs.createWriteStream(file));
  return hash.digest('hex');
}

const tempName = (file: string): string => `${file}.${process.pid}.part`;

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** Download `url` to `file`, returning its sha256. A server that accepts the connection but never
 * answers, or stops sending mid-body, would otherwise keep the fetch waiting forever: the timer
 * restarts with every chunk, so only `stallMs` of silence ends it. */
async function download(url: string, file: string, stallMs: number): Promise<string> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const rearm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), stallMs);
  };
  const stalled = (): UserError =>
    new UserError(
      `${url}: download timed out: no data from the server for ${stallMs / 1000} s (--timeout sets the limit)`,
    );
  rearm();
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal, redirect: 'follow' });
    } catch (e) {
      if (abort.signal.aborted) throw stalled();
      const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
      throw new UserError(`${url}: download failed (${cause})`);
    }
    if (!res.ok || !res.body)
      throw new UserError(`${url}: download failed (HTTP ${res.status} ${res.statusText})`);
    try {
      return await writeHashed(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), file, rearm);
    } catch (e) {
      if (abort.signal.aborted) throw stalled();
      throw e;
    }
  } finally {
    clearTimeout(timer);
    // A response we stop reading must not keep its socket (and this process) alive.
    if (!abort.signal.aborted) abort.abort();
  }
}

interface Check {
  sha256: string;
  checksumSource: ChecksumSource;
}

function mustMatch(what: string, check: Check, actual: string, verifyPublished: boolean): void {
  if (actual === check.sha256) return;
  if (check.checksumSource === 'published-record' && !verifyPublished) return;
  const hint =
    check.checksumSource === 'published-record'
      ? ' (this expected value comes from a published record, not from a copy we hold; --no-verify-archive skips it)'
      : '';
  throw new UserError(`${what}: sha256 mismatch: expected ${check.sha256}, got ${actual}${hint}`);
}

async function isPresent(file: string, check: Check, verifyPublished: boolean): Promise<boolean> {
  if (!fs.existsSync(file)) return false;
  if (check.checksumSource === 'published-record' && !verifyPublished) return true;
  return (await sha256OfFile(file)) === check.sha256;
}

/** Stream the wanted members of a zip to temporary files; returns member → {tmp, sha256}. */
function extractMembers(zipFile: string, members: ArchiveMember[], destOf: (m: ArchiveMember) => string) {
  return new Promise<Map<ArchiveMember, { tmp: string; sha256: string }>>((resolve, reject) => {
    const found = new Map<ArchiveMember, { tmp: string; sha256: string }>();
    yauzl.open(zipFile, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(new UserError(`${zipFile}: not a readable zip archive (${err.message})`));
      zip.on('error', (e: Error) => reject(new UserError(`${zipFile}: ${e.message}`)));
      zip.on('end', () => {
        const missing = members.filter((m) => !found.has(m));
        if (missing.length) {
          reject(
            new UserError(
              `${zipFile}: the archive has no ${missing.map((m) => m.names.join(' or ')).join(', ')}`,
            ),
          );
        } else resolve(found);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        const base = path.posix.basename(entry.fileName);
        const member = members.find((m) => !found.has(m) && m.names.includes(base));
        // macOS archivers add __MACOSX/._data.json resource forks; skip them.
        if (!member || entry.fileName.startsWith('__MACOSX/') || entry.fileName.endsWith('/'))
          return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(new UserError(`${zipFile}: cannot read ${entry.fileName} (${e.message})`));
          const tmp = tempName(destOf(member));
          writeHashed(stream, tmp).then(
            (sha256) => {
              found.set(member, { tmp, sha256 });
              zip.readEntry();
            },
            (werr: Error) => reject(werr),
          );
        });
      });
      zip.readEntry();
    });
  });
}

export async function fetchData(dataDir: string, options: FetchOptions = {}): Promise<FetchReport> {
  const manifest = options.manifest ?? DEFAULT_MANIFEST;
  const verifyPublished = options.verifyPublished ?? true;
  const timeoutMs = options.timeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const log = options.log ?? (() => undefined);
  const urlOf = (e: { url: string; mirrorPath: string }): string =>
    options.baseUrl ? `${options.baseUrl.replace(/\/+$/, '')}/${e.mirrorPath}` : e.url;
  const destOf = (e: { dest: string }): string => path.join(dataDir, e.dest);
  const report: FetchReport = { downloaded: [], kept: [] };
  // Directories this fetch made: a failed fetch removes those it left empty, so it leaves nothing
  // behind that was not there before (the files it did fetch stay, for the next run to keep).
  const made: string[] = [];
  const mkdir = (dir: string): void => {
    const first = mkdirs(dir);
    if (first === undefined) return;
    for (let d = dir; ; d = path.dirname(d)) {
      made.push(d);
      if (d === first || d === path.dirname(d)) break;
    }
  };
  try {
    await fetchInto();
  } catch (e) {
    for (const d of [...new Set(made)].sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty (or gone): keep it
      }
    }
    throw e;
  }
  return report;

  async function fetchInto(): Promise<void> {
    for (const file of manifest.files) {
      const dest = destOf(file);
      if (await isPresent(dest, file, verifyPublished)) {
        report.kept.push(file.dest);
        continue;
      }
      mkdir(path.dirname(dest));
      const url = urlOf(file);
      log(`downloading ${url}`);
      const tmp = tempName(dest);
      try {
        mustMatch(url, file, await download(url, tmp, timeoutMs), verifyPublished);
        fs.renameSync(tmp, dest);
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      report.downloaded.push(file.dest);
    }

    for (const archive of manifest.archives) {
      const present = await Promise.all(archive.members.map((m) => isPresent(destOf(m), m, verifyPublished)));
      if (present.every(Boolean)) {
        report.kept.push(...archive.members.map((m) => m.dest));
        continue;
      }
      for (const m of archive.members) mkdir(path.dirname(destOf(m)));
      const url = urlOf(archive);
      const zipTmp = tempName(path.join(dataDir, path.posix.basename(archive.mirrorPath)));
      let extracted = new Map<ArchiveMember, { tmp: string; sha256: string }>();
      try {
        log(`downloading ${url}`);
        mustMatch(url, archive, await download(url, zipTmp, timeoutMs), verifyPublished);
        log(`unpacking ${archive.members.map((m) => m.dest).join(', ')}`);
        extracted = await extractMembers(zipTmp, archive.members, destOf);
        for (const [member, { sha256 }] of extracted)
          mustMatch(`${url}: ${member.names[0]}`, member, sha256, verifyPublished);
        for (const [member, { tmp }] of extracted) fs.renameSync(tmp, destOf(member));
      } finally {
        fs.rmSync(zipTmp, { force: true });
        for (const { tmp } of extracted.values()) fs.rmSync(tmp, { force: true });
      }
      report.downloaded.push(...archive.members.map((m) => m.dest));
    }
  }
}
