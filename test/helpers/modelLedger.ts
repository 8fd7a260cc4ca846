// A recording proxy in front of the simulated model: every request's body (hashed) and when it
// started and ended. The simulated model answers a request by its body alone and a run with the
// same seed sends the same bodies, so a body a run sends more often than an undisturbed run did is
// a model call paid twice; the times say what that call's first payment overlapped (a kill, an
// outage). Used by the cluster test (issue 16).
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LedgerEntry {
  hash: string;
  start: number;
  end: number;
  status: number;
}

export interface ModelLedger {
  /** Base URL of the proxy, without /v1. */
  url: string;
  entries: LedgerEntry[];
  /** Requests started and not yet answered. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startModelLedger(targetUrl: string): Promise<ModelLedger> {
  const entries: LedgerEntry[] = [];
  let open = 0;
  const server = http.createServer((req, res) => {
    const start = Date.now();
    open++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hash = createHash('sha256').update(`${req.method} ${req.url}\n`).update(body).digest('hex');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      }
      const finish = (status: number) => {
        open--;
        if (req.url?.includes('/chat/completions')) entries.push({ hash, start, end: Date.now(), status });
      };
      fetch(`${targetUrl}${req.url ?? ''}`, {
        method: req.method,
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      })
        .then(async (r) => {
          const out = Buffer.from(await r.arrayBuffer());
          const h: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k))
              h[k] = v;
          });
          res.writeHead(r.status, { ...h, 'content-length': String(out.length) });
          res.end(out);
          finish(r.status);
        })
        .catch((err: unknown) => {
          res.writeHead(502).end(String(err));
          finish(502);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    entries,
    inFlight: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How often each body was sent. */
export function countByHash(entries: readonly LedgerEntry[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.hash, (m.get(e.hash) ?? 0) + 1);
  return m;
}
