// A manifest lists every file of a store path with its sha256; its tree hash pins a
// directory's content independent of mtimes, owners and how it was packed.
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { canonical, sha256 } from '../model/hash.ts';
import { sha256 as sha256Hex } from '../model/schema.ts';

const relPath = z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.?(\/|$)).+$/, 'expected a relative path without . or ..');
const EntrySchema = z.discriminatedUnion('type', [
  z.strictObject({ path: relPath, type: z.literal('dir') }),
  z.strictObject({
    path: relPath,
    type: z.literal('file'),
    executable: z.boolean(),
    size: z.number().int().nonnegative(),
    sha256: sha256Hex,
  }),
  z.strictObject({ path: relPath, type: z.literal('symlink'), target: z.string() }),
]);
export type Entry = z.infer<typeof EntrySchema>;

/** A manifest as it is written beside a path; checked when one arrives from outside. */
export const ManifestSchema = z.strictObject({
  treeHash: sha256Hex,
  /** Store paths (base names) whose hash appears in the content: runtime references. */
  references: z.array(z.string().regex(/^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._~-]+$/, 'expected a store path name')),
  entries: z.array(EntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** The subset of node:fs/promises the walk needs, so tests can hand in memfs. */
export type Fs = Pick<typeof nodeFs, 'readdir' | 'lstat' | 'readFile' | 'readlink'>;

/**
 * Walk a tree in sorted order. `scan` lists strings to look for in file contents (the
 * hash parts of input paths); those found become the manifest's references. `exclude`
 * leaves out the paths it matches (relative, e.g. lib/x.js) and directories left empty.
 */
export async function computeManifest(
  root: string,
  {
    fs = nodeFs as Fs,
    scan = new Map<string, string>(),
    exclude,
  }: { fs?: Fs; scan?: Map<string, string>; exclude?: RegExp } = {},
): Promise<Manifest> {
  const references = new Set<string>();
  const reading = limiter(16); // files are read concurrently (a kernel tree has ~17k), a few at a time
  async function walk(rel: string): Promise<Entry[]> {
    const names = (await fs.readdir(join(root, rel))).map(String).sort();
    const children = await Promise.all(
      names.map(async (name): Promise<Entry[]> => {
        const path = rel ? `${rel}/${name}` : name;
        if (exclude?.test(path)) return [];
        const abs = join(root, path);
        const st = await fs.lstat(abs);
        if (st.isSymbolicLink()) {
          const target = String(await fs.readlink(abs));
          for (const [needle, ref] of scan) if (target.includes(needle)) references.add(ref);
          return [{ path, type: 'symlink', target }];
        }
        if (st.isDirectory()) {
          const inside = await walk(path);
          return exclude && !inside.length ? [] : [{ path, type: 'dir' }, ...inside];
        }
        if (st.isFile()) {
          return reading(async () => {
            const data = (await fs.readFile(abs)) as Buffer;
            for (const [needle, ref] of scan) if (data.includes(needle)) references.add(ref);
            return [
              {
                path,
                type: 'file',
                executable: (Number(st.mode) & 0o111) !== 0,
                size: data.length,
                sha256: sha256(data),
              },
            ];
          });
        }
        throw new Error(`${abs}: a store path may hold only files, directories and symlinks`);
      }),
    );
    return children.flat(); // in sorted order, whatever order the reads finished in
  }
  const entries = await walk('');
  return { treeHash: treeHash(entries), references: [...references].sort(), entries };
}

/** Run at most n of the given jobs at once. */
export function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (job) => {
    while (running >= n) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export function treeHash(entries: Entry[]): string {
  return sha256(canonical(entries));
}

/** What differs between an expected manifest and the tree as it is now. */
export function diffManifests(expected: Manifest, actual: Manifest): string[] {
  const now = new Map(actual.entries.map((e) => [e.path, e]));
  const problems: string[] = [];
  for (const entry of expected.entries) {
    const found = now.get(entry.path);
    if (!found) problems.push(`${entry.path}: missing`);
    else if (canonical(found) !== canonical(entry)) problems.push(`${entry.path}: changed`);
    now.delete(entry.path);
  }
  for (const path of now.keys()) problems.push(`${path}: not in the manifest`);
  return problems;
}
