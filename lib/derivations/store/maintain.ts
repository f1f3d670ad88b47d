// Store maintenance: verify manifests, collect garbage, add files the user obtained.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { hashInput, storePath } from '../model/evaluate.ts';
import { fileSha256 } from '../sources/fetch.ts';
import { computeManifest, diffManifests } from './manifest.ts';
import { debPackage, tree, url } from '../model/define.ts';
import {
  commitPath,
  DamagedPathError,
  hashPart,
  isValid,
  listPaths,
  openStore,
  readManifest,
  removePath,
  removeTree,
  scratchDir,
  sidecar,
  type Store,
  type StoreLike,
  storeName,
} from './store.ts';
import { stderrReporter, type Reporter } from '../build/progress.ts';
import { gcLock, holdPaths, liveTempRoots } from './temproots.ts';
import { processAlive } from '../../process/alive.ts';
import type { Input } from '../model/schema.ts';

export interface VerifyProblem {
  path: string;
  problems: string[];
}

/** Re-hash every file of every path (or the given ones) against its manifest; a damaged path is reported and the rest still checked. */
export async function verify(options: { store?: StoreLike; paths?: string[] } = {}): Promise<VerifyProblem[]> {
  const paths = options.paths ?? (await listPaths(openStore(options.store)));
  const bad: VerifyProblem[] = [];
  for (const path of paths) {
    try {
      const problems = diffManifests(await readManifest(path), await computeManifest(path));
      if (problems.length) bad.push({ path, problems });
    } catch (e) {
      bad.push({ path, problems: [e instanceof DamagedPathError ? e.reason : (e as Error).message] });
    }
  }
  return bad;
}

/** Roots: <store>/.roots/<name> symlinks. */
export async function listRoots(store: StoreLike): Promise<Map<string, string>> {
  const dir = openStore(store).roots;
  const roots = new Map<string, string>();
  for (const name of existsSync(dir) ? await readdir(dir) : []) {
    if (name.startsWith('.')) continue;
    roots.set(name, resolve(dir, await readlink(join(dir, name))));
  }
  return roots;
}

/**
 * The paths `paths` reference at run time, transitively, including themselves. A damaged
 * path's references are found by scanning its files for every path of the store.
 */
export function referenceClosure(paths: string[]): Promise<string[]> {
  return closureOf(paths, referencesOf);
}

/**
 * Everything in the store that went into building `paths`: their run-time closure plus,
 * recursively, the inputs their .drv files name (intermediate builds and fixed-output
 * sources such as .debs). What a cache needs to let others rebuild, or to outlive a pin.
 */
export function buildClosure(paths: string[]): Promise<string[]> {
  // A .drv names inputs by the paths of the store it was built in: found here by name.
  return closureOf(paths, async (path) => [
    ...(await referencesOf(path)),
    ...Object.values(await drvInputs(path)).map((input) => basename(String(input))),
  ]);
}

/**
 * `names` ordered so that each comes after the names `refsOf` gives for it (names of the
 * same set); a name met again while its own references are being visited calls `onCycle`.
 */
export function dependenciesFirst(
  names: string[],
  refsOf: (name: string) => string[],
  onCycle: (name: string) => void = () => {},
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') return onCycle(name);
    state.set(name, 'visiting');
    for (const ref of refsOf(name)) visit(ref);
    state.set(name, 'done');
    order.push(name);
  };
  [...names].sort().forEach(visit);
  return order;
}

/** The valid paths reachable from `paths` by `next` (which names paths of the same store). */
async function closureOf(paths: string[], next: (path: string) => Promise<string[]>): Promise<string[]> {
  const seen = new Set<string>();
  const stack = [...paths];
  while (stack.length) {
    const path = stack.pop()!;
    if (seen.has(path) || !isValid(path)) continue;
    seen.add(path);
    for (const name of await next(path)) stack.push(join(path, '..', name));
  }
  return [...seen].sort();
}

/** The input paths a path's .drv names (none for a source, or a .drv that cannot be read). */
async function drvInputs(path: string): Promise<Record<string, string>> {
  try {
    return (JSON.parse(await readFile(sidecar.drv(path), 'utf8')) as { inputs?: Record<string, string> }).inputs ?? {};
  } catch {
    return {};
  }
}

async function referencesOf(path: string): Promise<string[]> {
  try {
    return (await readManifest(path)).references;
  } catch (e) {
    if (!(e instanceof DamagedPathError)) throw e;
    const others = (await listPaths(dirname(path))).filter((p) => p !== path).map((p) => basename(p));
    return (await computeManifest(path, { scan: new Map(others.map((n) => [n.slice(0, 32), n])) })).references;
  }
}

/**
 * Delete every path no root references, and leftovers of dead realisers. Roots are the
 * links in <store>/.roots and the temporary roots of live processes (what they realise,
 * import or hold); scratch directories of live builders stay.
 */
export async function gc(
  options: { store?: StoreLike; report?: Reporter } = {},
): Promise<{ kept: string[]; removed: string[] }> {
  const store = openStore(options.store);
  const report = options.report ?? stderrReporter;
  if (!existsSync(store.dir)) return { kept: [], removed: [] };
  const lock = await gcLock(store, 'exclusive', (holder) =>
    report(`gc: waiting for ${holder} to finish checking what it needs`),
  );
  try {
    const held = new Set([...(await liveTempRoots(store))].map((name) => store.path(name)));
    const keep = new Set(await referenceClosure([...(await listRoots(store)).values(), ...held]));
    const removed: string[] = [];
    for (const path of await listPaths(store)) {
      if (keep.has(path)) continue;
      const pathLock = await store.lock(hashPart(path), { purpose: 'collecting garbage' });
      try {
        await removePath(path);
        removed.push(path);
      } finally {
        await pathLock.release();
      }
    }
    // Logs and sidecars of builds that failed or died: no valid path beside them, none being built.
    for (const name of await readdir(store.dir)) {
      const path = store.path(name.replace(/\.(manifest|drv|log)$/, ''));
      if (name === basename(path) || !storeName.test(basename(path)) || isValid(path) || held.has(path)) continue;
      const pathLock = await store.lock(hashPart(path), { purpose: 'collecting garbage' });
      try {
        if (!isValid(path)) await removePath(path);
      } finally {
        await pathLock.release();
      }
    }
    await removeDeadScratch(store);
    await removeStaleLocks(store, held);
    await removeTree(store.trash);
    return { kept: [...keep].sort(), removed };
  } finally {
    await lock.release();
  }
}

/**
 * Lock files of paths that are gone and that no live process holds: nobody waits on them
 * for long. Each is removed while locked; a waiter on it then sees it is stale and retries.
 */
async function removeStaleLocks(store: Store, held: Set<string>): Promise<void> {
  const dir = store.locks;
  const keep = new Set([...held, ...(await listPaths(store))].map(hashPart));
  for (const key of existsSync(dir) ? await readdir(dir) : []) {
    if (!/^[0-9a-df-np-sv-z]{32}$/.test(key) || keep.has(key)) continue;
    const lock = await store.lock(key, { purpose: 'collecting garbage' });
    try {
      await rm(join(dir, key), { recursive: true, force: true });
    } finally {
      await lock.release();
    }
  }
}

/** Scratch directories are named <label>.<pid>.<random>: those of dead processes go. */
async function removeDeadScratch(store: Store): Promise<void> {
  const { tmp } = store;
  for (const name of existsSync(tmp) ? await readdir(tmp) : []) {
    const pid = Number(/\.(\d+)\.[0-9a-f]+$/.exec(name)?.[1]);
    if (!pid || !processAlive(pid)) await removeTree(join(tmp, name));
  }
}

export interface Added {
  path: string;
  sha256: string;
  name: string;
  source: Input;
}

/**
 * Put a file (pinned by its sha256) or a directory or tarball (pinned by the hash of
 * its unpacked tree) into the store as the fixed-output path a recipe declares.
 */
export async function add(
  file: string,
  options: { store?: StoreLike; name?: string; unpack?: boolean } = {},
): Promise<Added> {
  const store = openStore(options.store);
  const isDir = (await stat(file)).isDirectory();
  const isTarball = !isDir && (options.unpack ?? /\.(tar(\.[a-z0-9]+)?|tgz|txz)$/.test(file));
  const name =
    options.name ??
    (isDir || isTarball ? basename(file).replace(/\.(tar(\.[a-z0-9]+)?|tgz|txz)$/, '') : basename(file));
  await mkdir(store.dir, { recursive: true });
  const scratch = await scratchDir(store, 'add');
  try {
    const out = join(scratch, 'out');
    if (isDir || isTarball) {
      await mkdir(out);
      if (isDir) await execa('cp', ['-a', `${resolve(file)}/.`, out]);
      else await execa('tar', ['-xf', resolve(file), '-C', out, '--no-same-owner']);
      // A tarball of one top-level directory (the usual release) pins that directory's content.
      const top = await readdir(out);
      const root = top.length === 1 && (await stat(join(out, top[0]))).isDirectory() ? join(out, top[0]) : out;
      const sha256 = (await computeManifest(root)).treeHash;
      return await install(store, root, tree({ name, sha256 }));
    }
    await mkdir(out);
    await execa('cp', [resolve(file), join(out, name)]);
    const sha256 = await fileSha256(file);
    // A Debian package lands where its pin (debPackage) looks for it: it satisfies the pin by its hash.
    if (file.endsWith('.deb') && !options.name) return await install(store, out, await debOf(file, sha256));
    return await install(store, out, url({ url: `file:///${name}`, name, sha256 }));
  } finally {
    await removeTree(scratch);
  }
}

/** The debPackage pin a .deb file satisfies, from its control fields. */
async function debOf(file: string, sha256: string) {
  const { stdout } = await execa('dpkg-deb', ['--field', resolve(file), 'Package', 'Version', 'Architecture']);
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stdout)?.[1] ?? '';
  const arch = field('Architecture');
  if (arch !== 'amd64' && arch !== 'all')
    throw new Error(`${file} is a package for ${arch}; batu pins amd64 and all only`);
  return debPackage({ package: field('Package'), version: field('Version'), arch, sha256 });
}

async function install(store: Store, dir: string, source: Input & { sha256: string }): Promise<Added> {
  const path = await storePath(source, store);
  const held = await gcLock(store, 'shared');
  try {
    await holdPaths(store, [path]);
  } finally {
    await held.release();
  }
  const lock = await store.lock(hashPart(path), { purpose: `adding ${basename(path)}` });
  try {
    if (!isValid(path))
      await commitPath(path, dir, JSON.stringify({ added: source, hash: await hashInput(source) }) + '\n');
  } finally {
    await lock.release();
  }
  return { path, sha256: source.sha256, name: 'name' in source ? source.name : source.package, source };
}

/** Make `path` a gc root named `name` (<store>/.roots/<name>). */
export async function addRoot(store: StoreLike, name: string, path: string): Promise<void> {
  const { roots } = openStore(store);
  await mkdir(roots, { recursive: true });
  const tmp = join(roots, `.${name}.${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(join('..', basename(path)), tmp); // relative: the store may move
  await rename(tmp, join(roots, name));
}
