// Make an output independent of when and by whom it was built: every mtime becomes
// SOURCE_DATE_EPOCH, files are read-only (0444, or 0555 if executable), dirs 0555.
import { chmod, lstat, lutimes, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';

export async function normalizeTree(path: string, epochSeconds: number): Promise<void> {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return lutimes(path, epochSeconds, epochSeconds);
  if (st.isDirectory()) {
    // Children concurrently: a kernel tree has ~17k files; libuv's pool bounds the I/O.
    await Promise.all((await readdir(path)).map((name) => normalizeTree(join(path, name), epochSeconds)));
    await chmod(path, 0o555);
  } else if (st.isFile()) {
    await chmod(path, st.mode & 0o111 ? 0o555 : 0o444);
  } else {
    throw new Error(`${path}: a store path may hold only files, directories and symlinks`);
  }
  await utimes(path, epochSeconds, epochSeconds);
}
