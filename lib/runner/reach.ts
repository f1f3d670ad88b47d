// Whether the user a node runs as can reach the store paths it runs from. A store below a
// private directory (a checkout in /root, root's ~/.cache) is closed to `nobody`; rather than
// open that directory to every user, a root runner gives the node a private mount namespace
// in which a tmpfs over the closed directory holds exactly the node's store paths, bound
// read-only at their own paths (the build sandbox's answer, with the same paths kept).
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { NodeSpec } from '../cmdline/index.ts';

export interface Credentials {
  uid: number;
  gid: number;
}

/** A path the node needs, and what it needs of it. */
export interface Need {
  path: string;
  /** r: read it; x: execute (a file) or enter (a directory). */
  access: 'r' | 'x' | 'rx';
  what: string;
}

export interface Closed {
  dir: string;
  mode: number;
  uid: number;
  gid: number;
}

export class ReachError extends Error {
  override name = 'ReachError';
}

const bits = { r: 4, x: 1 } as const;

/** Whether `user` (no supplementary groups: nodes run with --clear-groups) has `access` to a file of this stat. */
function allows(st: { mode: number; uid: number; gid: number }, user: Credentials, access: string): boolean {
  if (user.uid === 0) return !access.includes('x') || (st.mode & 0o111) !== 0 || (st.mode & 0o40000) !== 0;
  const shift = st.uid === user.uid ? 6 : st.gid === user.gid ? 3 : 0;
  return [...access].every((a) => ((st.mode >> shift) & bits[a as 'r' | 'x']) !== 0);
}

/** The ancestors of an absolute path, from / down to its parent. */
function ancestors(path: string): string[] {
  const parts = resolve(path).split(sep).filter(Boolean);
  return parts.slice(0, -1).map((_, i) => sep + parts.slice(0, i + 1).join(sep));
}

/** The first directory on the way to `path` that `user` may not enter, if any. */
export async function closedAncestor(path: string, user: Credentials): Promise<Closed | undefined> {
  for (const dir of [sep, ...ancestors(path)]) {
    const st = await stat(dir);
    if (!allows(st, user, 'x')) return { dir, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  return undefined;
}

const describe = (c: Closed) => `${c.dir} (mode ${c.mode.toString(8).padStart(4, '0')}, owner ${c.uid}:${c.gid})`;

/**
 * Check what `user` needs of each path, and say how it can be reached: `[]` when it can as
 * things are, else the command prefix that runs the node in a private view of the store
 * paths `storePaths` (each path that contains a need). Throws one ReachError naming the
 * directory or file that stops it, and the ways out, before anything is made.
 */
export async function reachFor(
  user: Credentials,
  needs: Need[],
  storePaths: string[],
  { canMount = process.getuid?.() === 0 }: { canMount?: boolean } = {},
): Promise<string[]> {
  const closed: Closed[] = [];
  for (const need of needs) {
    const st = await stat(need.path).catch(() => undefined);
    if (!st) throw new ReachError(`${need.what} ${need.path} does not exist`);
    if (!allows(st, user, need.access))
      throw new ReachError(
        `uid ${user.uid} may not ${need.access.includes('x') ? 'execute' : 'read'} ${need.what} ${need.path} ` +
          `(mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner ${st.uid}:${st.gid}); store paths are ` +
          `world-readable when batu made them: verify the store (npx batu store verify)`,
      );
    // Inside its store path, the path's own directories are the store's (world-readable);
    // a closed directory is one on the way to the store path.
    const within = storePaths.find((p) => need.path === p || need.path.startsWith(p + sep)) ?? need.path;
    const stop = await closedAncestor(within, user);
    if (stop) closed.push(stop);
  }
  if (closed.length === 0) return [];
  const top = closed[0];
  if (!canMount)
    throw new ReachError(
      `uid ${user.uid} cannot reach ${needs[0].what} ${needs[0].path}: the directory ${describe(top)} is closed to it. ` +
        `Ways out: start the node as root, which gives it a private view of its store paths; ` +
        `use a store it can reach (--store or BATU_STORE, e.g. /var/cache/batu/store); or open the directory (chmod o+x ${top.dir}).`,
    );
  return viewPrefix(
    closed.map((c) => c.dir),
    storePaths,
  );
}

/**
 * unshare + mount: a private mount namespace with a tmpfs over each closed directory holding
 * only the `paths` below it, each bound read-only at its own path. Every path is opened
 * before a tmpfs hides it.
 */
export function viewPrefix(closed: string[], paths: string[]): string[] {
  const tops = [...new Set(closed.map((c) => resolve(c)))].filter(
    (c, _, all) => !all.some((o) => c.startsWith(o + sep)),
  );
  const below = (p: string) => tops.some((c) => p.startsWith(c + sep));
  // A path inside another listed one comes with it.
  const all = [...new Set(paths.map((p) => resolve(p)))].filter(below);
  const inside = all.filter((p) => !all.some((q) => p.startsWith(q + sep)));
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const script = [
    'set -e',
    'umask 022',
    ...inside.map((p, i) => `exec ${10 + i}<${q(p)}`),
    ...tops.map((c) => `mount -t tmpfs -o mode=0755,size=1m batu-store-view ${q(c)}`),
    ...inside.flatMap((p, i) => [
      `mkdir -p ${q(p)}`,
      `mount --no-canonicalize --bind /proc/self/fd/${10 + i} ${q(p)}`,
      `mount -o remount,bind,ro ${q(p)}`,
      `exec ${10 + i}<&-`,
    ]),
    'exec "$@"',
  ].join('\n');
  return ['unshare', '--mount', '--propagation', 'private', '--', 'bash', '-c', script, 'batu-store-view'];
}

/**
 * The prefix that lets a node run as `user` (else as the caller) reach its kernel and image:
 * nothing for root, or where the way is open.
 */
export async function nodeView(spec: NodeSpec, user?: Credentials): Promise<string[]> {
  const as = user ?? { uid: process.getuid!(), gid: process.getgid!() };
  if (as.uid === 0) return [];
  const { kernel, image } = spec as Required<NodeSpec>;
  const needs: Need[] = [
    { path: join(kernel, 'bin/linux'), access: 'rx', what: 'the kernel' },
    spec.rootfs === 'hostfs'
      ? { path: join(image, 'root'), access: 'rx', what: 'the image' }
      : { path: join(image, 'initramfs.cpio'), access: 'r', what: 'the image' },
  ];
  try {
    return await reachFor(as, needs, [kernel, image], { canMount: user !== undefined && process.getuid!() === 0 });
  } catch (error) {
    if (error instanceof ReachError) error.message = `node ${spec.umid}: ${error.message}`;
    throw error;
  }
}
