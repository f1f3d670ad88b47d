// npm packages as fixed-output sources: a package-lock.json (v2/v3) names every tarball
// with its integrity, so a node_modules tree is a derivation of those tarballs, laid out
// where the lockfile puts them (nixpkgs' importNpmLock does the same).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse } from '../model/define.ts';
import { NpmPackage } from '../model/schema.ts';

export function npmPackage(args: Omit<z.input<typeof NpmPackage>, 'type'>) {
  return parse(NpmPackage, { type: 'npm', ...args }, `npmPackage ${args.package}`);
}

const LockEntry = z.looseObject({
  version: z.string().optional(),
  integrity: z.string().optional(),
  dev: z.boolean().optional(),
  optional: z.boolean().optional(),
  link: z.boolean().optional(),
  os: z.array(z.string()).optional(),
  cpu: z.array(z.string()).optional(),
});
const Lockfile = z.looseObject({
  lockfileVersion: z.union([z.literal(2), z.literal(3)]),
  packages: z.record(z.string(), LockEntry),
});

export interface LockOptions {
  /** devDependencies too (what a build step needs, not what ships): all, or those named. */
  dev?: boolean | string[];
  /** The platform the tree is for: optional packages for others are left out. */
  os?: string;
  cpu?: string;
}

/** npm's os/cpu lists: the names allowed, or `!name` exclusions. */
function fits(list: string[] | undefined, value: string): boolean {
  if (!list || list.includes(`!${value}`)) return !list;
  const allowed = list.filter((v) => !v.startsWith('!'));
  return allowed.length === 0 || allowed.includes(value);
}

/** Every package of a lockfile to install: its path (node_modules/…) → its tarball. */
export function lockedPackages(lockfile: string, { dev = false, os = 'linux', cpu = 'x64' }: LockOptions = {}) {
  const lock = parse(Lockfile, JSON.parse(readFileSync(lockfile, 'utf8')), lockfile);
  const packages: Record<string, z.infer<typeof NpmPackage>> = {};
  for (const [path, entry] of Object.entries(lock.packages).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!path.startsWith('node_modules/') || entry.link) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (entry.dev && !(dev === true || (Array.isArray(dev) && dev.includes(name)))) continue;
    if (!fits(entry.os, os) || !fits(entry.cpu, cpu)) continue;
    if (!entry.version || !entry.integrity) throw new Error(`${lockfile}: ${path} has no version or integrity`);
    packages[path] = npmPackage({ package: name, version: entry.version, integrity: entry.integrity });
  }
  return packages;
}
