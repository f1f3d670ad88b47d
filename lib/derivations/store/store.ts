// The store's layout: <store>/<hash>-<name>[-<version>] plus sidecar files beside it.
// A path is valid once its manifest exists and the directory has been renamed in.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { computeManifest, type Manifest } from './manifest.ts';
import { normalizeTree } from './normalize.ts';
import { writeAtomic } from '../../record.ts';
import { acquireLock, type Lock, type LockOptions } from '../../process/lock.ts';

/** Every mtime in the store; also the builders' SOURCE_DATE_EPOCH. */
export const SOURCE_DATE_EPOCH = 1;

/** This package's directory: a checkout, or an install under some node_modules. */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * One store, opened once: its directory and every place batu keeps inside it (as Nix's
 * LocalStore names its own). Nothing outside this class spells a `.name` of the store.
 */
export class Store {
  /** Scratch directories of builds and imports: same file system, so the final rename is atomic. */
  readonly tmp: string;
  /** Gc roots: symlinks to paths gc keeps. */
  readonly roots: string;
  /** flock(2) files, one per path being realised, and the gc lock. */
  readonly locks: string;
  /** Each live process's held paths (Nix's temproots). */
  readonly tempRoots: string;
  /** Trees thrown away off the critical path, deleted by a niced process. */
  readonly trash: string;
  /** apt's lists for the pins (served versions). */
  readonly apt: string;
  /** The store's settings (substituters, trusted keys). */
  readonly configFile: string;

  constructor(readonly dir: string) {
    this.tmp = join(dir, '.tmp');
    this.roots = join(dir, '.roots');
    this.locks = join(dir, '.locks');
    this.tempRoots = join(dir, '.temproots');
    this.trash = join(dir, '.trash');
    this.apt = join(dir, '.apt');
    this.configFile = join(dir, '.config.json');
  }

  /** The store path of a name (`<hash>-<name>`). */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** An exclusive (or shared) lock on `key`, released by the kernel if this process dies. */
  lock(key: string, options?: LockOptions): Promise<Lock> {
    return acquireLock(join(this.locks, key), options);
  }

  toString(): string {
    return this.dir;
  }
}

/** A store, or the directory of one: what the library's entry points accept. */
export type StoreLike = Store | string;

/**
 * Open the store: `store` (a --store flag or a Store already open), else BATU_STORE, else
 * the default: a checkout's own store/ (beside its recipes), or for an installed package
 * /var/cache/batu/store for root and the user's cache (${XDG_CACHE_HOME:-~/.cache}/batu/store)
 * for anyone else, never a directory the caller happens to be in.
 */
export function openStore(store?: StoreLike): Store {
  if (store instanceof Store) return store;
  // An empty BATU_STORE is unset, as in a shell; resolve('') would be the working directory.
  return new Store(resolve(store ?? (process.env.BATU_STORE || defaultStore())));
}

/** The store a store path (or a file inside one) lies in; undefined for any other path. */
export function storeOf(path: string): Store | undefined {
  for (let p = resolve(path); p !== dirname(p); p = dirname(p))
    if (storeName.test(basename(p))) return new Store(dirname(p));
  return undefined;
}

export function defaultStore(): string {
  if (!packageRoot.split(sep).includes('node_modules')) return join(packageRoot, 'store');
  // Root's home is private; /var/cache is open, so nodes run as nobody reach the store as it is.
  if (process.getuid?.() === 0 && !process.env.XDG_CACHE_HOME) return '/var/cache/batu/store';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'batu', 'store');
}

export const sidecar = {
  manifest: (path: string) => `${path}.manifest`,
  drv: (path: string) => `${path}.drv`,
  log: (path: string) => `${path}.log`,
};

export const storeName = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._~-]+$/;

export function isValid(path: string): boolean {
  return existsSync(path) && existsSync(sidecar.manifest(path));
}

/** Every valid path in the store (sidecars, locks and temporary dirs are not paths). */
export async function listPaths(store: StoreLike): Promise<string[]> {
  const { dir } = openStore(store);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => storeName.test(n) && !/\.(manifest|drv|log)$/.test(n));
  return names
    .map((n) => join(dir, n))
    .filter(isValid)
    .sort();
}

/** A path whose manifest cannot be read: realise does not reuse it; verify and repair name it. */
export class DamagedPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is damaged: ${reason} (batu store repair rebuilds it)`);
  }
}

/** A path's manifest; a missing, truncated or malformed one throws DamagedPathError naming the path. */
export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(sidecar.manifest(path), 'utf8');
  } catch (e) {
    throw new DamagedPathError(
      path,
      `its manifest cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new DamagedPathError(path, `its manifest is not JSON (${(e as Error).message})`);
  }
  // The cheap shape check (a kernel's manifest has ~17k entries; import checks every field).
  if (
    typeof manifest?.treeHash !== 'string' ||
    !Array.isArray(manifest.references) ||
    !Array.isArray(manifest.entries)
  ) {
    throw new DamagedPathError(path, 'its manifest is not a manifest');
  }
  return manifest;
}

/** Valid, and its manifest readable: a path realise may reuse. */
export async function isUsable(path: string): Promise<boolean> {
  if (!isValid(path)) return false;
  return readManifest(path).then(
    () => true,
    () => false,
  );
}

export { writeAtomic } from '../../record.ts';

/** A scratch directory inside the store: same file system, so the final rename is atomic. */
export async function scratchDir(store: Store, label: string): Promise<string> {
  const dir = join(store.tmp, `${label}.${process.pid}.${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  // the build user passes through, whatever the realiser's umask made of it (077: 0700)
  if ((await stat(dirname(dir))).uid === process.getuid?.()) await chmod(dirname(dir), 0o755);
  return dir;
}

/** Remove a tree whose write bits the normalizer took away. */
export async function removeTree(path: string): Promise<void> {
  if (!existsSync(path)) return;
  await chmodTree(path);
  await rm(path, { recursive: true, force: true });
}

/**
 * Throw a scratch tree away off the critical path: a kernel build's tree takes ~10 s to
 * delete. It is renamed into <store>/.trash at once and deleted by a detached, niced
 * process; `gc` clears whatever such a process leaves.
 */
export async function discardTree(store: Store, path: string): Promise<void> {
  if (!existsSync(path)) return;
  const { trash } = store;
  await mkdir(trash, { recursive: true });
  const target = join(trash, basename(path));
  await rename(path, target);
  const remover = execa(
    'nice',
    ['-n', '19', 'sh', '-c', 'chmod -R u+w "$1" 2>/dev/null; rm -rf "$1"', 'discard', target],
    { detached: true, stdio: 'ignore', cleanup: false, reject: false },
  );
  remover.unref();
}

async function chmodTree(path: string): Promise<void> {
  try {
    await chmod(path, 0o755);
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.isDirectory()) await chmodTree(join(path, entry.name));
    }
  } catch {
    /* not a directory or already gone */
  }
}

/** Remove a path and its sidecars. */
export async function removePath(path: string): Promise<void> {
  await rm(sidecar.manifest(path), { force: true });
  await removeTree(path);
  await rm(sidecar.drv(path), { force: true });
  await rm(sidecar.log(path), { force: true });
}

export const hashPart = (path: string) => basename(path).slice(0, 32);

/**
 * Make `dir` the store path `path`: normalize it, write its sidecars, then one atomic
 * rename. The caller holds the path's lock. Returns the manifest.
 */
export async function commitPath(path: string, dir: string, drvText: string, manifest?: Manifest): Promise<Manifest> {
  await removeTree(path); // left by a realiser that died after gc took its manifest
  await normalizeTree(dir, SOURCE_DATE_EPOCH);
  manifest ??= await computeManifest(dir);
  await writeAtomic(sidecar.drv(path), drvText);
  await writeAtomic(sidecar.manifest(path), JSON.stringify(manifest) + '\n');
  await rename(dir, path);
  return manifest;
}
