// The host toolchain is an input: each command a builder may run is resolved to the
// Debian package that ships it, and that package's version goes into the hash.
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** Commands every builder gets (the shell and the usual file tools). */
export const baseTools = [
  'bash',
  'sh',
  'env',
  'cat',
  'cp',
  'mv',
  'rm',
  'ln',
  'ls',
  'mkdir',
  'rmdir',
  'chmod',
  'touch',
  'find',
  'xargs',
  'sed',
  'grep',
  'awk',
  'tr',
  'head',
  'tail',
  'sort',
  'uniq',
  'cut',
  'wc',
  'tar',
  'gzip',
  'xz',
  'dirname',
  'basename',
  'readlink',
  'realpath',
  'test',
  '[',
  'true',
  'false',
  'printf',
  'echo',
  'expr',
  'cmp',
  'diff',
  'install',
  'stat',
  'date',
  'sleep',
  'tee',
  'mktemp',
  'od',
  'nproc',
  'uname',
  'id',
  'sha256sum',
  'dpkg-deb',
  'tac',
  'seq',
  'truncate',
  'md5sum',
  'getconf',
  'hostname',
  'whoami',
  'pwd',
  'ar',
  'cpio',
  'patch',
];

export interface Tool {
  command: string;
  path: string;
  package: string;
  version: string;
}

const searchPath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Asking dpkg takes ~0.3 s, too slow for a no-op realise: answers are kept in a cache
 * file that is valid while dpkg's status file is unchanged (any install changes it).
 */
const dpkgStatus = '/var/lib/dpkg/status';
const cacheFile = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'batu', 'tools.json');
const statusStamp = () => {
  try {
    const st = statSync(dpkgStatus);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'none';
  }
};
const resolved = loadCache();

function loadCache(): Map<string, Tool> {
  try {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { stamp: string; tools: Tool[] };
    if (cached.stamp === statusStamp()) return new Map(cached.tools.map((t) => [t.command, t]));
  } catch {
    /* no cache yet */
  }
  return new Map();
}

function saveCache(): void {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ stamp: statusStamp(), tools: [...resolved.values()] }));
    renameSync(tmp, cacheFile);
  } catch {
    /* a cache is an optimisation only */
  }
}

export class ToolError extends Error {}

/** Resolve commands to their providing packages (memoized: one dpkg call per new batch). */
export async function resolveTools(commands: readonly string[]): Promise<Tool[]> {
  const missing = [...new Set(commands)].filter((c) => !resolved.has(c));
  if (missing.length > 0) {
    const found = new Map<string, string>();
    for (const command of missing) {
      const dir = searchPath.find((d) => existsSync(`${d}/${command}`));
      if (!dir)
        throw new ToolError(
          `tool ${JSON.stringify(command)} is not installed on this machine (looked in ${searchPath.join(':')}); install the Debian package that provides it`,
        );
      found.set(command, `${dir}/${command}`);
    }
    const owners = await owningPackages([...found.values()].map((p) => realpathSync(p)));
    const versions = await packageVersions([...new Set(owners.values())]);
    for (const [command, path] of found) {
      const pkg = owners.get(realpathSync(path));
      if (!pkg)
        throw new ToolError(
          `tool ${JSON.stringify(command)} (${realpathSync(path)}) belongs to no Debian package; batu hashes only packaged tools`,
        );
      resolved.set(command, { command, path, package: pkg, version: versions.get(pkg)! });
    }
    saveCache();
  }
  return commands.map((c) => resolved.get(c)!);
}

/** dpkg records files under their pre-usrmerge names (/bin/sh), so ask for both spellings. */
async function owningPackages(paths: string[]): Promise<Map<string, string>> {
  const spellings = new Map<string, string>();
  for (const p of paths) {
    spellings.set(p, p);
    const m = /^\/usr(\/s?bin\/.*|\/lib\/.*)$/.exec(p);
    if (m) spellings.set(m[1], p);
  }
  const { stdout } = await execa('dpkg-query', ['-S', ...spellings.keys()], { reject: false });
  const owners = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([^:,\s]+)(?::[a-z0-9]+)?: (\/.*)$/.exec(line);
    if (m && spellings.has(m[2])) owners.set(spellings.get(m[2])!, m[1]);
  }
  return owners;
}

async function packageVersions(packages: string[]): Promise<Map<string, string>> {
  const { stdout } = await execa('dpkg-query', ['-W', '-f', '${Package}\t${Version}\n', ...packages]);
  return new Map(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string]),
  );
}
