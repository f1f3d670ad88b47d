// Locks between processes: flock(2) on a file (the store's: <store>/.locks/<key>), as Nix does, so the
// kernel releases a lock when its holder dies (kill -9 included). util-linux's `flock`
// holds it in a small child whose stdin is our pipe: when we release or die, the pipe
// closes, the child exits, and the lock goes with it. A waiter says what it waits for.
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';

export interface Lock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Shared: many holders at once, none while an exclusive one holds it. */
  shared?: boolean;
  /** Written into the lock file while held, so a waiter can say what it waits for. */
  purpose?: string;
  /** Called once if the lock is not free within `patienceMs`, with who holds it. */
  onWait?: (holder: string) => void;
  patienceMs?: number;
}

// Lock fd 9 on the file, then make sure the file locked is still the one at the path (gc may
// have removed it meanwhile: then say so and let the caller retry), and hold it in `cat`.
const holder = `exec 9>>"$1" && flock "$2" 9 &&
  if [ "$(stat -L -c %i /proc/self/fd/9)" = "$(stat -c %i "$1" 2>/dev/null)" ]; then echo locked; exec cat; else echo stale; fi`;

/** Lock `file` (made if missing, with its directory). */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<Lock> {
  await mkdir(dirname(file), { recursive: true });
  // A lock directory of batu's earlier mkdir locks: nothing holds it the kernel knows of.
  if ((await stat(file).catch(() => undefined))?.isDirectory()) await rm(file, { recursive: true, force: true });
  for (;;) {
    const child = execa('sh', ['-c', holder, 'batu-lock', file, options.shared ? '--shared' : '--exclusive'], {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      reject: false,
      buffer: { stdout: false, stderr: true },
      cleanup: true,
    });
    const lines = createInterface({ input: child.stdout! });
    const waiting = setTimeout(async () => {
      const who = (await readFile(file, 'utf8').catch(() => '')).trim() || 'another process';
      options.onWait?.(who);
    }, options.patienceMs ?? 1000);
    const answer = await new Promise<string>((done) => {
      lines.once('line', done);
      lines.once('close', () => done('exited'));
    });
    clearTimeout(waiting);
    if (answer === 'locked') {
      if (!options.shared)
        await writeFile(file, `process ${process.pid}${options.purpose ? ` (${options.purpose})` : ''}\n`);
      return {
        release: async () => {
          if (!options.shared) await truncate(file).catch(() => {}); // gone if the holder removed it (gc)
          child.stdin!.end();
          await child;
        },
      };
    }
    child.stdin!.end();
    const result = await child;
    if (answer !== 'stale')
      throw new Error(`could not lock ${file}: flock exited ${result.exitCode}: ${String(result.stderr ?? '').trim()}`);
  }
}
