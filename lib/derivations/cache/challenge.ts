// Challenge: compare what this machine built with what a cache holds, file by file (the
// cross-machine half of reproducibility; `npm run repro` is the same-machine half).
import { basename } from 'node:path';
import { manifestFile, metadataLimits, openCache, readPathInfo, type Cache } from './cache.ts';
import { ManifestSchema, type Manifest } from '../store/manifest.ts';
import { checkSignatures, fingerprint, manifestHash, type PublicKey } from './signing.ts';
import { readManifest } from '../store/store.ts';

export interface Challenged {
  path: string;
  verdict: 'identical' | 'differs' | 'not in cache';
  /** Who signed the cache's entry, or why its signature does not count. */
  signature?: string;
  /** What differs: one line per file, and the references. */
  differences: string[];
}

export async function challenge(
  cacheUrl: string,
  paths: string[],
  { trustedKeys = [] }: { trustedKeys?: PublicKey[] } = {},
): Promise<Challenged[]> {
  const cache = openCache(cacheUrl);
  const results: Challenged[] = [];
  for (const path of paths) {
    const name = basename(path);
    const info = await readPathInfo(cache, name);
    if (!info) {
      results.push({ path, verdict: 'not in cache', differences: [] });
      continue;
    }
    const verdict = checkSignatures(fingerprint(info), info.signatures, trustedKeys);
    const signature = verdict.ok ? `signed by ${verdict.key}` : `not trusted: ${verdict.reason}`;
    // Content only: a .drv names its inputs by their absolute paths, which differ between stores.
    const local = await readManifest(path);
    if (manifestHash(local) === info.manifestHash) {
      results.push({ path, verdict: 'identical', signature, differences: [] });
      continue;
    }
    const theirs = await cacheManifest(cache, name, info.manifestHash);
    results.push({ path, verdict: 'differs', signature, differences: compareManifests(local, theirs) });
  }
  return results;
}

async function cacheManifest(cache: Cache, name: string, expected: string): Promise<Manifest> {
  const bytes = await cache.get(manifestFile(name), metadataLimits.manifest);
  if (!bytes) throw new Error(`${cache.url}/${manifestFile(name)} is missing: cannot compare ${name} file by file`);
  const manifest = ManifestSchema.parse(JSON.parse(bytes.toString('utf8')));
  if (manifestHash(manifest) !== expected)
    throw new Error(`${cache.url}/${manifestFile(name)} does not match the hash in ${name}'s metadata`);
  return manifest;
}

/** One line per file that differs, with both sides' sha256; then the references. */
export function compareManifests(local: Manifest, theirs: Manifest): string[] {
  const describe = (e: Manifest['entries'][number] | undefined) =>
    !e
      ? 'absent'
      : e.type === 'file'
        ? `sha256 ${e.sha256.slice(0, 16)}… ${e.size} bytes${e.executable ? ' executable' : ''}`
        : e.type === 'symlink'
          ? `symlink to ${e.target}`
          : 'directory';
  const mine = new Map(local.entries.map((e) => [e.path, e]));
  const cached = new Map(theirs.entries.map((e) => [e.path, e]));
  const lines: string[] = [];
  for (const file of [...new Set([...mine.keys(), ...cached.keys()])].sort()) {
    const [a, b] = [describe(mine.get(file)), describe(cached.get(file))];
    if (a !== b) lines.push(`${file}: here ${a}, cache ${b}`);
  }
  if (local.references.join() !== theirs.references.join())
    lines.push(
      `references: here ${local.references.join(', ') || 'none'}, cache ${theirs.references.join(', ') || 'none'}`,
    );
  return lines;
}
