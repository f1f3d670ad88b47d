// Realising fixed-output sources: fetch or copy, then check the declared sha256.
import { createHash } from 'node:crypto';
import { scratchDir, type Store } from '../store/store.ts';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { aptFetch, unreachedLists } from './apt.ts';
import { describeServed, servedVersions } from './archive.ts';
import { computeManifest } from '../store/manifest.ts';
import { FixedSource } from '../model/schema.ts';

export class FetchError extends Error {}

async function fileDigest(file: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

export const fileSha256 = (file: string) => fileDigest(file, 'sha256', 'hex');

export function mismatch(what: string, expected: string, actual: string): FetchError {
  return new FetchError(
    `hash mismatch for ${what}:\n  expected sha256 ${expected}\n  got      sha256 ${actual}\nrefusing it`,
  );
}

const howToAdd = (
  what: string,
  sha256: string,
  name: string,
  why = "only Debian's and npm's registries are reachable",
) =>
  `${what} cannot be fetched on this machine (${why}).\n` +
  `Obtain it yourself (expected sha256 ${sha256}) and put it into the store with:\n` +
  `  npx batu store add <file-or-directory> --name ${name}${/\.(tar(\.[a-z0-9]+)?|tgz|txz)$/.test(name) ? ' --no-unpack' : ''}`;

/**
 * A pinned URL into out/NAME with Debian's curl (it honours the user's proxy settings and
 * .netrc): http(s) only, also after redirects, bounded in size and time. The hash is
 * checked after, before anything uses the file; a failure names the URL and the way out.
 */
async function download(src: Extract<FixedSource, { type: 'url' }>, out: string): Promise<void> {
  if (!/^https?:\/\//.test(src.url))
    throw new FetchError(howToAdd(src.url, src.sha256, src.name, 'not an http(s) URL'));
  const r = await execa(
    'curl',
    [
      '--fail',
      '--silent',
      '--show-error',
      '--location',
      '--max-redirs',
      '5',
      '--proto',
      '=http,https',
      '--proto-redir',
      '=http,https',
      '--connect-timeout',
      '20',
      '--max-time',
      '1800',
      '--max-filesize',
      String(2 ** 31),
      '--output',
      join(out, src.name),
      '--',
      src.url,
    ],
    { reject: false, all: true },
  );
  if (r.exitCode !== 0) {
    await rm(join(out, src.name), { force: true });
    const why =
      r.failed && r.exitCode === undefined ? String(r.shortMessage) : r.all?.trim() || `curl exit ${r.exitCode}`;
    throw new FetchError(howToAdd(src.url, src.sha256, src.name, why.replace(/^curl: \(\d+\) /, '')));
  }
}

/** Fill the empty directory `out` with the source, or throw naming what is wrong. */
export async function fetchSource(src: FixedSource, out: string, store: Store): Promise<void> {
  switch (src.type) {
    case 'deb': {
      const spec = debSpec(src);
      await aptFetch(store, out, ['download', spec]).catch(async (e: Error) => {
        throw (await notServed(src, store)) ?? e;
      });
      return checkFixedOutput(src, out);
    }
    case 'deb-src': {
      const spec = `${src.package}=${src.version}`;
      await aptFetch(store, out, ['source', '--download-only', spec]).catch((e: Error) => {
        // An upstream signature (.asc) the mirror lacks is not needed: the .dsc's hash pins the tarballs.
        const failed = [...e.message.matchAll(/^E: Failed to fetch (\w+:\/\/\S+)/gm)].map((m) => m[1]);
        if (failed.length && failed.every((url) => url.endsWith('.asc'))) return;
        throw new FetchError(
          `the Debian source package ${spec} could not be fetched: the registry serves sources for some packages only (use the binary package instead).\n${e.message}`,
        );
      });
      return checkFixedOutput(src, out);
    }
    case 'url':
      await download(src, out);
      return checkFixedOutput(src, out);
    case 'tree': {
      if (!src.from) throw new FetchError(howToAdd(`the source tree ${src.name}`, src.sha256, src.name));
      if (src.exclude === undefined) await cp(src.from, out, { recursive: true, verbatimSymlinks: true });
      else await copyKept(src.from, out, new RegExp(src.exclude));
      return checkFixedOutput(src, out);
    }
    case 'npm':
      await npmPack(src, out, store);
      return checkFixedOutput(src, out);
  }
}

/**
 * `npm pack NAME@VERSION`: the registry's tarball as it is, through the user's npm
 * configuration (registry, proxy, certificates), with a cache of its own in the store.
 */
async function npmPack(src: Extract<FixedSource, { type: 'npm' }>, out: string, store: Store): Promise<void> {
  const cache = await scratchDir(store, 'npm-cache');
  try {
    const spec = `${src.package}@${src.version}`;
    const r = await execa('npm', ['pack', spec, '--pack-destination', out, '--ignore-scripts', '--cache', cache], {
      cwd: out,
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0) throw new FetchError(`npm pack ${spec} failed:\n${r.all?.trim()}`);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/** The lockfile's integrity of a file: sha512-<base64>. */
export const fileIntegrity = async (file: string) => `sha512-${await fileDigest(file, 'sha512', 'base64')}`;

/**
 * Copy what a filtered tree keeps, entry by entry: `from` may hold `out` (a checkout's
 * own store), which a recursive copy of `from` would walk into.
 */
async function copyKept(from: string, out: string, exclude: RegExp): Promise<void> {
  for (const entry of (await computeManifest(from, { exclude })).entries) {
    const [source, target] = [join(from, entry.path), join(out, entry.path)];
    if (entry.type === 'dir') await mkdir(target);
    else if (entry.type === 'symlink') await symlink(entry.target, target);
    else await copyFile(source, target);
    if (entry.type === 'file') await chmod(target, entry.executable ? 0o755 : 0o644);
  }
}

/** A pinned package as apt names it: libmd0:amd64=1.0.4-2. */
const debSpec = (src: Extract<FixedSource, { type: 'deb' }>) =>
  `${src.package}${src.arch === 'all' ? '' : `:${src.arch}`}=${src.version}`;

/**
 * The source a fixed-output path's .drv records: `{added: source}` (store add) or the source
 * itself with its input paths and hash (realised). Undefined for a derivation or no .drv.
 */
export function recordedSource(drvText: string): FixedSource | undefined {
  let drv: Record<string, unknown>;
  try {
    drv = JSON.parse(drvText) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof drv !== 'object' || drv === null || drv.type === 'derivation') return undefined;
  const { inputs: _inputs, hash: _hash, ...rest } = drv;
  const parsed = FixedSource.safeParse('added' in drv ? drv.added : rest);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Check that `dir` holds what the pin `src` names, by its hash: the one .deb, the .dsc and
 * the tarballs it lists, the file, or the tree. Used on whatever was fetched or substituted.
 */
export async function checkFixedOutput(src: FixedSource, dir: string): Promise<void> {
  switch (src.type) {
    case 'deb': {
      const debs = (await readdir(dir)).filter((f) => f.endsWith('.deb'));
      if (debs.length !== 1) throw new FetchError(`${debSpec(src)}: expected one .deb, found ${debs.length}`);
      const actual = await fileSha256(join(dir, debs[0]));
      if (actual !== src.sha256) throw mismatch(`Debian package ${debSpec(src)}`, src.sha256, actual);
      return;
    }
    case 'deb-src': {
      const dscName = (await readdir(dir)).find((f) => f.endsWith('.dsc'));
      if (!dscName) throw new FetchError(`the source package ${src.package} ${src.version} has no .dsc`);
      const actual = await fileSha256(join(dir, dscName));
      if (actual !== src.sha256)
        throw mismatch(`Debian source package ${src.package}=${src.version} (${dscName})`, src.sha256, actual);
      return checkDscFiles(join(dir, dscName), dir);
    }
    case 'url': {
      const actual = await fileSha256(join(dir, src.name)).catch(() => 'missing');
      if (actual !== src.sha256) throw mismatch(`${src.url} (${src.name})`, src.sha256, actual);
      return;
    }
    case 'tree': {
      const exclude = src.exclude === undefined ? undefined : new RegExp(src.exclude);
      const actual = (await computeManifest(dir, { exclude })).treeHash;
      if (actual !== src.sha256) throw mismatch(`the source tree ${src.name}`, src.sha256, actual);
      return;
    }
    case 'npm': {
      const spec = `${src.package}@${src.version}`;
      const files = await readdir(dir);
      if (files.length !== 1 || !files[0].endsWith('.tgz'))
        throw new FetchError(`npm package ${spec}: expected one .tgz, found ${files.join(', ') || 'nothing'}`);
      const actual = await fileIntegrity(join(dir, files[0]));
      if (actual !== src.integrity)
        throw new FetchError(
          `integrity mismatch for npm package ${spec}:\n  expected ${src.integrity}\n  got      ${actual}\nrefusing it`,
        );
      return;
    }
  }
}

/** The error for a pinned package the archive no longer serves: what it serves, and the ways out. */
async function notServed(src: Extract<FixedSource, { type: 'deb' }>, store: Store): Promise<FetchError | undefined> {
  const served = (await servedVersions(store, 'binary', [src.package], release()).catch(() => undefined))?.get(
    src.package,
  );
  if (!served || served.some((s) => s.version === src.version)) return undefined; // served: apt's own error says more
  const file = `${src.package}_${src.version.replace(/^\d+:/, '')}_${src.arch}.deb`;
  const unreached = served.length ? undefined : await unreachedLists(store);
  if (unreached)
    return new FetchError(
      `the Debian package ${src.package} ${src.version} cannot be fetched: the archive could not be reached\n${unreached}\nWays out:\n` +
        `  - reach the archive (this process's network namespace and resolver), then build again\n` +
        `  - or put that exact file (sha256 ${src.sha256}) into the store: npx batu store add ${file}\n` +
        `  - or take it from a binary cache: --substituters URL or BATU_SUBSTITUTERS; or npx batu store import < closure.tar`,
    );
  return new FetchError(
    `the Debian package ${src.package} ${src.version} (${src.arch}, sha256 ${src.sha256}) is no longer served: ` +
      `the archive has ${describeServed(served, release())} now. Ways out:\n` +
      `  - move the pin to what is served (then rebuild what uses it): npx batu pins update ${src.package}\n` +
      `  - or put that exact file into the store, where it satisfies the pin by its hash: npx batu store add ${file}\n` +
      `  - or take it from a binary cache that kept it (pushed with --build-closure): --substituters URL or BATU_SUBSTITUTERS\n` +
      `  - or import it from a store that holds it: npx batu store import < closure.tar`,
  );
}

/** The host's Debian release (e.g. bookworm): the one whose archive serves these packages. */
function release(): string {
  return /^VERSION_CODENAME=(\w+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
}

/** A .dsc pins its tarballs: check each one it lists (an upstream .asc may be absent). */
async function checkDscFiles(dsc: string, dir: string): Promise<void> {
  const text = await readFile(dsc, 'utf8');
  const block = /^Checksums-Sha256:\n((?: .+\n?)+)/m.exec(text)?.[1] ?? '';
  for (const line of block.split('\n').filter(Boolean)) {
    const [sha256, , file] = line.trim().split(/\s+/);
    const actual = await fileSha256(join(dir, file)).catch(() => 'missing');
    if (actual === 'missing' && file.endsWith('.asc')) continue; // optional upstream signature
    if (actual !== sha256) throw mismatch(`${file} (listed in ${dsc})`, sha256, actual);
  }
}
