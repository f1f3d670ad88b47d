import { readFileSync } from 'node:fs';

/**
 * Whether a process runs (EPERM: it does, owned by someone else). A zombie does not: it
 * has exited and waits only to be reaped, which an adoptive PID 1 may do late.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return true;
  }
}
