// Export and import of closures as tar streams: the basis of a binary cache shared
// between machines. An imported path is checked against its manifest before it appears.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, readlink, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { acquireLock } from './lock.ts';
import { computeManifest, type Manifest } from './manifest.ts';
import { referenceClosure } from './maintain.ts';
import { SOURCE_DATE_EPOCH, commitPath, hashPart, isValid, removeTree, scratchDir, sidecar, storeDir, storeName } from './store.ts';

const mtime = new Date(SOURCE_DATE_EPOCH * 1000);

/** Write the run-time closure of `paths` to `into` as a tar stream. Returns what was packed. */
export async function exportClosure(paths: string[], into: Writable): Promise<string[]> {
  const closure = await referenceClosure(paths);
  const pack = tar.pack();
  const done = pipeline(pack, into);
  const add = (header: Partial<tar.Header> & { name: string }, body?: Readable | string) => new Promise<void>((ok, fail) => {
    const entry = pack.entry({ mtime, uid: 0, gid: 0, ...header }, (e) => (e ? fail(e) : ok()));
    if (body && typeof body !== 'string') body.pipe(entry);
    else entry.end(body);
  });
  for (const path of closure) {
    const name = basename(path);
    for (const side of [sidecar.manifest(path), sidecar.drv(path)]) {
      const text = await readFile(side, 'utf8').catch(() => '');
      await add({ name: basename(side), size: Buffer.byteLength(text), mode: 0o444 }, text);
    }
    const manifest: Manifest = JSON.parse(await readFile(sidecar.manifest(path), 'utf8'));
    await add({ name: `${name}/`, type: 'directory', mode: 0o555 });
    for (const entry of manifest.entries) {
      const file = join(path, entry.path);
      const entryName = `${name}/${entry.path}`;
      if (entry.type === 'dir') await add({ name: `${entryName}/`, type: 'directory', mode: 0o555 });
      else if (entry.type === 'symlink') await add({ name: entryName, type: 'symlink', linkname: await readlink(file) });
      else await add({ name: entryName, size: (await lstat(file)).size, mode: entry.executable ? 0o555 : 0o444 }, createReadStream(file));
    }
  }
  pack.finalize();
  await done;
  return closure;
}

/** Read a tar stream made by exportClosure into the store. Returns the paths it holds. */
export async function importClosure(from: Readable, options: { store?: string } = {}): Promise<string[]> {
  const store = storeDir(options.store);
  await mkdir(store, { recursive: true });
  const scratch = await scratchDir(store, 'import');
  try {
    const extract = tar.extract();
    const reading = pipeline(from, extract);
    for await (const entry of extract) {
      const target = join(scratch, entry.header.name);
      if (!target.startsWith(`${scratch}/`)) throw new Error(`refusing tar entry outside the store: ${entry.header.name}`);
      await mkdir(dirname(target), { recursive: true });
      if (entry.header.type === 'directory') { await mkdir(target, { recursive: true }); entry.resume(); }
      else if (entry.header.type === 'symlink') { await symlink(entry.header.linkname!, target); entry.resume(); }
      else await pipeline(entry, createWriteStream(target, { mode: entry.header.mode }));
    }
    await reading;
    const imported: string[] = [];
    for (const entry of await readdir(scratch, { withFileTypes: true })) {
      if (entry.isDirectory() && storeName.test(entry.name)) imported.push(await install(store, scratch, entry.name));
    }
    return imported.sort();
  } finally {
    await removeTree(scratch);
  }
}

async function install(store: string, scratch: string, name: string): Promise<string> {
  const path = join(store, name);
  const dir = join(scratch, name);
  const manifestText = await readFile(join(scratch, `${name}.manifest`), 'utf8');
  const declared: Manifest = JSON.parse(manifestText);
  const actual = await computeManifest(dir);
  if (actual.treeHash !== declared.treeHash) {
    throw new Error(`imported ${name} does not match its manifest (tree hash ${actual.treeHash}, manifest says ${declared.treeHash}); nothing of it was installed`);
  }
  const lock = await acquireLock(store, hashPart(path));
  try {
    if (!isValid(path)) await commitPath(path, dir, await readFile(join(scratch, `${name}.drv`), 'utf8').catch(() => ''), declared);
  } finally {
    await lock.release();
  }
  return path;
}
