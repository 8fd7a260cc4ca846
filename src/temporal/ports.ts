// Free TCP ports on loopback, for dev servers started by tests and `josh server --port 0`.
import * as net from 'node:net';
import { UserError } from '../util/errors';

/** Asks the OS for a free port by binding port 0, then releases it (a small race we accept). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/** True if something accepts TCP connections on host:port within `timeoutMs`. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Why binding failed because of the address the user gave (it does not resolve, or is not one of
 * this machine's), by error code. */
const BAD_BIND_ADDRESS = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
  'EINVAL',
]);

/** `err` from a listen on `host`: a bad address becomes one line naming the flag (a user's
 * mistake, not a bug with a stack); anything else is returned unchanged. */
export function listenError(flag: string, host: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !BAD_BIND_ADDRESS.has(code)) return err;
  return new UserError(`${flag} ${host}: cannot listen there (${(err as Error).message})`);
}
