// A per-hash lock between processes: an exclusive mkdir holding the owner's pid.
// A lock whose owner died (kill -9) is taken over.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Lock { release(): Promise<void> }

/** Whether a process exists (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export async function acquireLock(store: string, key: string, onWait?: (pid: number) => void): Promise<Lock> {
  const dir = join(store, '.locks', key);
  await mkdir(join(store, '.locks'), { recursive: true });
  let told = false;
  for (;;) {
    try {
      await mkdir(dir);
      await writeFile(join(dir, 'pid'), String(process.pid));
      return { release: () => rm(dir, { recursive: true, force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
    if (pid && !processAlive(pid)) {
      // Rename first so two waiters cannot both remove a lock one of them just took.
      const stale = `${dir}.stale.${process.pid}`;
      await rename(dir, stale).then(() => rm(stale, { recursive: true, force: true }), () => {});
      continue;
    }
    if (pid && !told) { onWait?.(pid); told = true; }
    await sleep(100);
  }
}
