// A directory on disk as rootfs entries (for packing a realised tree into an initramfs).
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RootfsEntry } from './entries.ts';

export async function entriesFromDirectory(root: string, prefix = ''): Promise<RootfsEntry[]> {
  const entries: RootfsEntry[] = [];
  for (const name of (await readdir(join(root, prefix))).sort()) {
    const path = prefix ? `${prefix}/${name}` : name;
    const abs = join(root, path);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) entries.push({ path, type: 'symlink', target: await readlink(abs) });
    else if (st.isDirectory())
      entries.push({ path, type: 'dir', mode: 0o755 }, ...(await entriesFromDirectory(root, path)));
    else if (st.isFile())
      entries.push({ path, type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, data: await readFile(abs) });
    else throw new Error(`${abs}: only files, directories and symlinks can go into a guest image`);
  }
  return entries;
}
