// What the Debian archive serves now, read from the private apt lists (apt.ts): every
// version of a binary or source package within one release (its -security and -updates
// suites included, not backports), with the sha256 a pin needs.
import { execa } from 'execa';
import type { Store } from '../store/store.ts';
import { aptCache } from './apt.ts';

export type PinKind = 'binary' | 'source';

export interface Served {
  version: string;
  /** Where the archive serves it, e.g. bookworm-security. */
  suites: string[];
  /** Of the .deb (binary) or the .dsc (source). */
  sha256: string;
  arch?: 'amd64' | 'all';
}

const inRelease = (suite: string, release: string) =>
  [release, `${release}-security`, `${release}-updates`].includes(suite);

/** Every version of each package the archive serves in `release`, newest first (two apt-cache calls in all). */
export async function servedVersions(
  store: Store,
  kind: PinKind,
  pkgs: string[],
  release: string,
): Promise<Map<string, Served[]>> {
  const result = new Map<string, Served[]>(pkgs.map((p) => [p, []]));
  if (pkgs.length === 0) return result;
  const suites = new Map<string, string[]>(); // "pkg version" → suites
  const index = kind === 'binary' ? 'Packages' : 'Sources';
  // madison: " pkg | version | http://… bookworm-security/main amd64 Packages"
  for (const line of (await aptCache(store, ['madison', ...pkgs])).split('\n')) {
    const m = /^\s*(\S+)\s*\|\s*(\S+)\s*\|\s*\S+\s+([^/\s]+)\/\S+(?:\s+\S+)?\s+(Packages|Sources)\s*$/.exec(line);
    if (!m || !result.has(m[1]) || m[4] !== index || !inRelease(m[3], release)) continue;
    const key = `${m[1]} ${m[2]}`;
    suites.set(key, [...new Set([...(suites.get(key) ?? []), m[3]])]);
  }
  const records = kind === 'binary' ? await binaryRecords(store, pkgs) : await sourceRecords(store, pkgs);
  for (const r of records) {
    const at = suites.get(`${r.package} ${r.version}`);
    const list = result.get(r.package)!;
    if (at && !list.some((s) => s.version === r.version))
      list.push({ version: r.version, sha256: r.sha256, arch: r.arch, suites: at });
  }
  for (const [pkg, list] of result) result.set(pkg, await newestFirst(list));
  return result;
}

function paragraphs(text: string): Map<string, string>[] {
  return text
    .split(/\n\n+/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const fields = new Map<string, string>();
      let key = '';
      for (const line of p.split('\n')) {
        const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
        if (m) {
          key = m[1];
          fields.set(key, m[2]);
        } else if (key) fields.set(key, `${fields.get(key)}\n${line}`);
      }
      return fields;
    });
}

async function binaryRecords(store: Store, pkgs: string[]) {
  return paragraphs(await aptCache(store, ['show', ...pkgs]))
    .filter((f) => ['amd64', 'all'].includes(f.get('Architecture') ?? ''))
    .map((f) => ({
      package: f.get('Package')!,
      version: f.get('Version')!,
      sha256: f.get('SHA256')!,
      arch: f.get('Architecture') as 'amd64' | 'all',
    }));
}

async function sourceRecords(store: Store, pkgs: string[]) {
  return paragraphs(await aptCache(store, ['showsrc', '--only-source', ...pkgs])).map((f) => ({
    package: f.get('Package')!,
    version: f.get('Version')!,
    arch: undefined,
    sha256: /^\s*([0-9a-f]{64})\s+\d+\s+\S+\.dsc$/m.exec(f.get('Checksums-Sha256') ?? '')?.[1] ?? '',
  }));
}

/** Debian's version order (epochs, ~), by dpkg itself. */
async function newestFirst<T extends { version: string }>(items: T[]): Promise<T[]> {
  const sorted: T[] = [];
  for (const item of items) {
    let at = 0;
    while (at < sorted.length && (await versionGreater(sorted[at].version, item.version))) at++;
    sorted.splice(at, 0, item);
  }
  return sorted;
}

async function versionGreater(a: string, b: string): Promise<boolean> {
  return (await execa('dpkg', ['--compare-versions', a, 'gt', b], { reject: false })).exitCode === 0;
}

/** "6.1.192-3 (bookworm-security), 6.1.176-1 (bookworm)", or a sentence saying there is none. */
export function describeServed(served: Served[], release: string): string {
  if (served.length === 0) return `no version of it in ${release}`;
  return served.map((s) => `${s.version} (${s.suites.join(', ')})`).join(', ');
}
