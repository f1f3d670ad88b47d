// Export and import of closures as tar streams: the basis of the binary cache. An imported
// path is checked against its manifest, and its signature against the trusted keys,
// before it appears.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { gcLock, holdPaths } from './temproots.ts';
import { ManifestSchema, computeManifest, diffManifests, treeHash, type Manifest } from './manifest.ts';
import { dependenciesFirst, referenceClosure } from './maintain.ts';
import { checkSignatures, fingerprintOf, signFingerprint, type PublicKey, type SecretKey } from '../cache/signing.ts';
import { cacheSettings } from '../cache/settings.ts';
import { storePath } from '../model/evaluate.ts';
import { checkFixedOutput, recordedSource } from '../sources/fetch.ts';
import {
  commitPath,
  hashPart,
  isValid,
  openStore,
  readManifest,
  removeTree,
  scratchDir,
  sidecar,
  SOURCE_DATE_EPOCH,
  type Store,
  type StoreLike,
  storeName,
} from './store.ts';

const mtime = new Date(SOURCE_DATE_EPOCH * 1000);

/**
 * Write the run-time closure of `paths` to `into` as a tar stream, each path signed with
 * `key` when one is given. Returns what was packed.
 */
export async function exportClosure(
  paths: string[],
  into: Writable,
  options: { key?: SecretKey } = {},
): Promise<string[]> {
  const closure = await referenceClosure(paths);
  await packPaths(closure, into, options);
  return closure;
}

/** Write exactly `paths` (each with its manifest, .drv and, given a key, .sig) as a tar stream. */
export async function packPaths(paths: string[], into: Writable, { key }: { key?: SecretKey } = {}): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, into);
  const add = (header: Partial<tar.Header> & { name: string }, body?: Readable | string) =>
    new Promise<void>((ok, fail) => {
      const entry = pack.entry({ mtime, uid: 0, gid: 0, ...header }, (e) => (e ? fail(e) : ok()));
      if (body && typeof body !== 'string') body.pipe(entry);
      else entry.end(body);
    });
  const addText = (name: string, text: string) => add({ name, size: Buffer.byteLength(text), mode: 0o444 }, text);
  for (const path of paths) {
    const name = basename(path);
    const manifest = await readManifest(path);
    const drvText = await readFile(sidecar.drv(path), 'utf8').catch(() => '');
    await addText(basename(sidecar.manifest(path)), await readFile(sidecar.manifest(path), 'utf8'));
    await addText(basename(sidecar.drv(path)), drvText);
    if (key) await addText(`${name}.sig`, signFingerprint(fingerprintOf(name, manifest, drvText), key) + '\n');
    await add({ name: `${name}/`, type: 'directory', mode: 0o555 });
    for (const entry of manifest.entries) {
      const file = join(path, entry.path);
      const entryName = `${name}/${entry.path}`;
      if (entry.type === 'dir') await add({ name: `${entryName}/`, type: 'directory', mode: 0o555 });
      else if (entry.type === 'symlink')
        await add({ name: entryName, type: 'symlink', linkname: await readlink(file) });
      else
        await add(
          { name: entryName, size: (await lstat(file)).size, mode: entry.executable ? 0o555 : 0o444 },
          createReadStream(file),
        );
    }
  }
  pack.finalize();
  await done;
}

export class ImportError extends Error {}

export interface ImportOptions {
  store?: StoreLike;
  /** The keys whose signatures count (default: the store's cache settings). */
  trustedKeys?: PublicKey[];
  /** Accept paths without a trusted signature (--unsigned): only their manifests are checked. */
  unsigned?: boolean;
  /** Signatures from elsewhere (a binary cache's metadata), by path name. */
  signatures?: Map<string, string[]>;
  /** Content-addressed paths (fixed-output sources), accepted unsigned when this check of their files passes. */
  contentChecks?: Map<string, (dir: string) => Promise<void>>;
  /** The stream must hold exactly these paths (a cache archive holds one). */
  expect?: string[];
}

/**
 * Read a tar stream made by exportClosure into the store: all of it or nothing. The whole
 * stream is staged in a scratch directory first (no entry can reach outside it), every
 * path is checked against its manifest and its signature, every reference resolved, and
 * only then are the paths moved in, dependencies first. Returns the paths the stream holds.
 */
export async function importClosure(from: Readable, options: ImportOptions = {}): Promise<string[]> {
  const store = openStore(options.store);
  await mkdir(store.dir, { recursive: true });
  const scratch = await scratchDir(store, 'import');
  try {
    await extractSafely(from, scratch);
    return await importStaged(store, scratch, options);
  } finally {
    await removeTree(scratch);
  }
}

/** Check and move in what a scratch directory holds (extracted by extractSafely). */
async function importStaged(store: Store, scratch: string, options: ImportOptions): Promise<string[]> {
  const accept = options.unsigned ? undefined : acceptance(options, await trusted(store, options));
  // Under the gc lock: the references found in the store are held before they are checked.
  const lock = await gcLock(store, 'shared');
  let staged: Staged[];
  try {
    const names = (await readdir(scratch)).filter((n) => storeName.test(n) && !sidecarName.test(n));
    if (!names.length) throw new ImportError('refusing the import: the stream holds no store path');
    if (options.expect && names.sort().join() !== [...options.expect].sort().join())
      throw new ImportError(
        `refusing the import: the stream holds ${names.join(', ') || 'no path'}, not ${options.expect.join(', ')}; nothing was imported`,
      );
    await holdPaths(
      store,
      names.map((n) => store.path(n)),
    );
    staged = await checkStaged(
      store,
      scratch,
      (refs) =>
        holdPaths(
          store,
          refs.map((r) => store.path(r)),
        ),
      accept,
    );
  } finally {
    await lock.release();
  }
  for (const { name, manifest } of staged) await install(store, scratch, name, manifest);
  return staged.map(({ name }) => store.path(name)).sort();
}

const trusted = async (store: Store, options: ImportOptions) =>
  options.trustedKeys ?? (await cacheSettings(store)).trustedKeys;

/** A staged path's sidecars: its manifest, its .drv and its signatures. */
const sidecarName = /\.(manifest|drv|sig)$/;
const topLevel = new RegExp(`^(${storeName.source.slice(1, -1)})(\\.manifest|\\.drv|\\.sig)?$`);

type Accept = (name: string, dir: string, manifest: Manifest, drvText: string, sigs: string[]) => Promise<void>;

/** The check that lets a staged path in besides its manifest: its content hash, or a trusted signature. */
function acceptance(options: ImportOptions, keys: PublicKey[]): Accept {
  return async (name, dir, manifest, drvText, sigs) => {
    const contentCheck = options.contentChecks?.get(name);
    if (contentCheck) return contentCheck(dir);
    const verdict = checkSignatures(
      fingerprintOf(name, manifest, drvText),
      [...sigs, ...(options.signatures?.get(name) ?? [])],
      keys,
    );
    if (!verdict.ok)
      throw new ImportError(
        `refusing the import: ${name} is not signed by a trusted key: ${verdict.reason} (store import --unsigned skips this check); nothing was imported`,
      );
  };
}

/**
 * Unpack a tar stream into `dir`, refusing by name what could write elsewhere: absolute
 * names, `..`, entries below a symlink or a file, duplicates, hard links and devices.
 * Links are never followed: each parent is a directory this function made.
 */
async function extractSafely(from: Readable, dir: string): Promise<void> {
  const kinds = new Map<string, 'dir' | 'implied' | 'file' | 'symlink'>();
  const extract = tar.extract();
  const reading = pipeline(from, extract);
  reading.catch(() => {}); // its error is reported below, once
  const refuse = (name: string, why: string) =>
    new ImportError(`refusing the import: tar entry ${JSON.stringify(name)} ${why}; nothing was imported`);
  try {
    for await (const entry of extract) {
      const { name: raw, type, linkname } = entry.header;
      const name = type === 'directory' ? raw.replace(/\/+$/, '') : raw;
      const parts = name.split('/');
      if (name.startsWith('/')) throw refuse(raw, 'has an absolute name');
      if (parts.some((p) => p === '' || p === '.' || p === '..')) throw refuse(raw, 'has an empty, . or .. component');
      const top = topLevel.exec(parts[0]);
      if (!top || (top[2] && (parts.length > 1 || type !== 'file')))
        throw refuse(raw, 'is not inside a store path, its manifest or its .drv');
      if (type !== 'file' && type !== 'directory' && type !== 'symlink')
        throw refuse(raw, `is a ${type}; a store path holds only files, directories and symlinks`);
      for (let i = 1; i < parts.length; i++) {
        const parent = parts.slice(0, i).join('/');
        const kind = kinds.get(parent);
        if (kind === undefined) {
          await mkdir(join(dir, parent));
          kinds.set(parent, 'implied');
        } else if (kind !== 'dir' && kind !== 'implied') throw refuse(raw, `lies below a ${kind} (${parent})`);
      }
      const target = join(dir, name);
      const seen = kinds.get(name);
      if (seen && !(seen === 'implied' && type === 'directory')) throw refuse(raw, 'comes twice');
      if (type === 'directory') {
        if (!seen) await mkdir(target);
        kinds.set(name, 'dir');
        entry.resume();
      } else if (type === 'symlink') {
        await symlink(linkname ?? '', target);
        kinds.set(name, 'symlink');
        entry.resume();
      } else {
        kinds.set(name, 'file');
        // 'wx': O_CREAT|O_EXCL, so nothing that exists (a link above all) is written through.
        await pipeline(
          entry,
          createWriteStream(target, { flags: 'wx', mode: 0o644 | ((entry.header.mode ?? 0) & 0o111) }),
        );
      }
    }
    await reading;
  } catch (e) {
    extract.destroy();
    if (e instanceof ImportError) throw e;
    throw new ImportError(
      `refusing the import: the stream is not a complete tar stream (${(e as Error).message}); nothing was imported`,
    );
  }
}

interface Staged {
  name: string;
  manifest: Manifest;
}

/**
 * Check every staged path: a manifest that parses and is consistent, files that match it,
 * references that are in the stream or already valid in the store, and no mention of a
 * path of the stream its manifest does not list. Returns the paths dependencies first.
 */
async function checkStaged(
  store: Store,
  scratch: string,
  hold: (refs: string[]) => Promise<void>,
  accept?: Accept,
): Promise<Staged[]> {
  const names = await readdir(scratch);
  const paths = names.filter((n) => storeName.test(n) && !sidecarName.test(n));
  for (const n of names) {
    const owner = n.replace(sidecarName, '');
    if (owner !== n && !paths.includes(owner))
      throw new ImportError(`refusing the import: ${n} comes without the path ${owner}; nothing was imported`);
  }
  const staged = new Map<string, Manifest>();
  const refuse = (name: string, why: string) =>
    new ImportError(`refusing the import: ${name} ${why}; nothing was imported`);
  for (const name of paths) {
    const text = await readFile(join(scratch, `${name}.manifest`), 'utf8').catch(() => {
      throw refuse(name, 'comes without its manifest');
    });
    let declared: Manifest;
    try {
      declared = ManifestSchema.parse(JSON.parse(text));
    } catch (e) {
      throw refuse(name, `has an unreadable manifest (${(e as Error).message.split('\n')[0]})`);
    }
    if (treeHash(declared.entries) !== declared.treeHash)
      throw refuse(name, 'has a manifest whose tree hash does not match its own entries');
    const others = new Map(paths.filter((p) => p !== name).map((p) => [hashPart(p), p]));
    const actual = await computeManifest(join(scratch, name), { scan: others });
    if (actual.treeHash !== declared.treeHash) {
      throw refuse(
        name,
        `does not match its manifest (tree hash ${actual.treeHash}, manifest says ${declared.treeHash}: ${diffManifests(declared, actual).slice(0, 5).join(', ')})`,
      );
    }
    const unlisted = actual.references.filter((r) => !declared.references.includes(r));
    if (unlisted.length)
      throw refuse(name, `mentions ${unlisted.join(', ')}, which its manifest does not list as references`);
    const read = (file: string) => readFile(join(scratch, file), 'utf8').catch(() => '');
    const drvText = await read(`${name}.drv`);
    await checkRecordedSource(store, name, join(scratch, name), drvText).catch((e: Error) => {
      throw refuse(name, e.message);
    });
    if (accept) {
      const sigs = (await read(`${name}.sig`)).split('\n').filter(Boolean);
      await accept(name, join(scratch, name), declared, drvText, sigs);
    }
    await hold(declared.references);
    for (const ref of declared.references) {
      if (!paths.includes(ref) && !isValid(store.path(ref)))
        throw refuse(name, `references ${ref}, which is neither in the stream nor in the store`);
    }
    staged.set(name, declared);
  }
  // Dependencies first: a path becomes valid only after everything it references.
  return dependenciesFirst(
    [...staged.keys()],
    (name) => staged.get(name)!.references.filter((ref) => staged.has(ref)),
    (name) => {
      throw refuse(name, 'is part of a reference cycle');
    },
  ).map((name) => ({ name, manifest: staged.get(name)! }));
}

/**
 * A path whose .drv records a pinned source holds that source, signed or not (--unsigned
 * trusts manifests, not a hash the path itself contradicts): its name is the one the
 * source hashes to, and its files hash to the pin.
 */
async function checkRecordedSource(store: Store, name: string, dir: string, drvText: string): Promise<void> {
  const source = recordedSource(drvText);
  if (!source) return;
  const expected = basename(await storePath(source, store));
  if (expected !== name) throw new Error(`is not the path its own .drv names (${expected})`);
  await checkFixedOutput(source, dir);
}

async function install(store: Store, scratch: string, name: string, manifest: Manifest): Promise<void> {
  const path = store.path(name);
  const lock = await store.lock(hashPart(path), { purpose: `importing ${name}` });
  try {
    if (!isValid(path))
      await commitPath(
        path,
        join(scratch, name),
        await readFile(join(scratch, `${name}.drv`), 'utf8').catch(() => ''),
        manifest,
      );
  } finally {
    await lock.release();
  }
}
