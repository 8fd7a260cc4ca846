// Whether a process exists, for pids read back from state files (a cluster's, a build lock's).

/** True while `pid` is a process, ours or not (EPERM: it exists, we may not signal it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
