// A deterministic newc initramfs: sorted entries, uid/gid 0, one fixed mtime, inode
// numbers in path order. (cpio-stream defaults to odc, which the kernel rejects.)
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import cpio from 'cpio-stream';
import { completeTree, type RootfsEntry } from './entries.ts';

const mtime = new Date(1000); // the store's SOURCE_DATE_EPOCH

export async function packInitramfs(entries: RootfsEntry[], into: Writable | string): Promise<void> {
  const pack = cpio.pack({ format: 'newc' });
  const done = pipeline(pack, typeof into === 'string' ? createWriteStream(into) : into);
  for (const entry of completeTree(entries)) {
    const header = { name: entry.path, uid: 0, gid: 0, mtime, size: 0 };
    await new Promise<void>((ok, fail) => {
      const cb = (err?: Error) => (err ? fail(err) : ok());
      switch (entry.type) {
        case 'dir':
          pack.entry({ ...header, type: 'directory', mode: entry.mode ?? 0o755 }, cb);
          break;
        case 'symlink':
          pack.entry({ ...header, type: 'symlink', mode: 0o777, linkname: entry.target }, cb);
          break;
        case 'chardev':
          pack.entry(
            {
              ...header,
              type: 'character-device',
              mode: entry.mode ?? 0o600,
              rdevmajor: entry.major,
              rdevminor: entry.minor,
            },
            cb,
          );
          break;
        case 'file':
          pack.entry({ ...header, type: 'file', mode: entry.mode ?? 0o644 }, Buffer.from(entry.data), cb);
          break;
      }
    });
  }
  pack.finalize();
  await done;
}
