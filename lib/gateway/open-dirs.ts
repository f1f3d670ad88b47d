// Directories the gateway's unprivileged user must pass through, made open under any umask.
import { chmod, mkdir } from 'node:fs/promises';
import { relative, sep } from 'node:path';

/**
 * Make `dir` and what is missing above it, mode 0755 whatever the umask: the gateway's user
 * (fastd, the nodes) must pass through them. Directories that exist are left alone.
 */
export async function openDirs(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  let at = first;
  await chmod(at, 0o755);
  for (const part of relative(first, dir).split(sep).filter(Boolean)) await chmod((at = `${at}${sep}${part}`), 0o755);
}
