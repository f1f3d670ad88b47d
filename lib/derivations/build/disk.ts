// A build or fetch that ran out of disk: said in one line naming the disk, not as a stream
// error or 30 lines of a log that could not be written.
import { statfs } from 'node:fs/promises';
import { execa } from 'execa';

export class DiskFullError extends Error {
  readonly code = 'ENOSPC';
}

/** Whether `e` says a disk was full (a write's ENOSPC, or a builder's own words for it). */
export const saysNoSpace = (e: unknown) =>
  (e as NodeJS.ErrnoException)?.code === 'ENOSPC' ||
  /No space left on device|ENOSPC/.test(String((e as Error)?.message));

/** One line for a full disk below `dir`: which disk, how large, what is free now. */
export async function diskFullError(label: string, dir: string): Promise<DiskFullError> {
  const disk = await statfs(dir);
  const mib = Math.round((disk.blocks * disk.bsize) / 2 ** 20);
  const free = Math.round((disk.bavail * disk.bsize) / 2 ** 20);
  const { stdout } = await execa('findmnt', ['-n', '-o', 'FSTYPE,TARGET', '-T', dir], { reject: false });
  const [type = '?', target = '?'] = stdout.trim().split(/\s+/);
  return new DiskFullError(
    `${label}: no space left on the disk holding ${dir} (${type}, ${mib} MiB, mounted on ${target}; ${free} MiB free now): free space there, or point BATU_STORE at a larger disk`,
  );
}
