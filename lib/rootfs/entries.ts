// A guest file tree as data: what goes into an initramfs or a hostfs root.
export type RootfsEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; mode?: number; data: Buffer | string }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'chardev'; mode?: number; major: number; minor: number };

/** Sorted by path, with every parent directory present: the order the kernel unpacks in. */
export function completeTree(entries: RootfsEntry[]): RootfsEntry[] {
  const byPath = new Map<string, RootfsEntry>();
  const implied = new Set<string>(); // parents added here; an explicit entry may replace them
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+|\/+$/g, '');
    if (!path || path.split('/').includes('..')) throw new Error(`bad rootfs path ${JSON.stringify(entry.path)}`);
    if (byPath.has(path) && !(implied.delete(path) && entry.type === 'dir'))
      throw new Error(`rootfs path ${JSON.stringify(path)} given twice`);
    byPath.set(path, { ...entry, path });
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      if (!byPath.has(parent)) {
        byPath.set(parent, { path: parent, type: 'dir' });
        implied.add(parent);
      }
    }
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** What every guest needs before init runs: a console to write to. */
export const baseEntries: RootfsEntry[] = [
  { path: 'dev', type: 'dir' },
  { path: 'dev/console', type: 'chardev', mode: 0o600, major: 5, minor: 1 },
  { path: 'dev/null', type: 'chardev', mode: 0o666, major: 1, minor: 3 },
  { path: 'proc', type: 'dir' },
  { path: 'sys', type: 'dir' },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
  { path: 'run', type: 'dir' },
  { path: 'mnt', type: 'dir' },
];
