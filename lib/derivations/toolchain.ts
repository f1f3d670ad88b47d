// The host toolchain is an input: each command a builder may run is resolved to the
// Debian package that ships it, and that package's version goes into the hash.
import { existsSync, realpathSync } from 'node:fs';
import { execa } from 'execa';

/** Commands every builder gets (the shell and the usual file tools). */
export const baseTools = [
  'bash', 'sh', 'env', 'cat', 'cp', 'mv', 'rm', 'ln', 'ls', 'mkdir', 'rmdir', 'chmod', 'touch',
  'find', 'xargs', 'sed', 'grep', 'awk', 'tr', 'head', 'tail', 'sort', 'uniq', 'cut', 'wc',
  'tar', 'gzip', 'xz', 'dirname', 'basename', 'readlink', 'realpath', 'test', '[', 'true',
  'false', 'printf', 'echo', 'expr', 'cmp', 'diff', 'install', 'stat', 'date', 'sleep', 'tee',
  'mktemp', 'od', 'nproc', 'uname', 'id', 'sha256sum', 'dpkg-deb', 'tac', 'seq', 'truncate',
  'md5sum', 'getconf', 'hostname', 'whoami', 'pwd', 'ar', 'cpio', 'patch',
];

export interface Tool { command: string; path: string; package: string; version: string }

const searchPath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const resolved = new Map<string, Tool>();

export class ToolError extends Error {}

/** Resolve commands to their providing packages (memoized: one dpkg call per new batch). */
export async function resolveTools(commands: readonly string[]): Promise<Tool[]> {
  const missing = [...new Set(commands)].filter((c) => !resolved.has(c));
  if (missing.length > 0) {
    const found = new Map<string, string>();
    for (const command of missing) {
      const dir = searchPath.find((d) => existsSync(`${d}/${command}`));
      if (!dir) throw new ToolError(`tool ${JSON.stringify(command)} is not installed on this machine (looked in ${searchPath.join(':')}); install the Debian package that provides it`);
      found.set(command, `${dir}/${command}`);
    }
    const owners = await owningPackages([...found.values()].map((p) => realpathSync(p)));
    const versions = await packageVersions([...new Set(owners.values())]);
    for (const [command, path] of found) {
      const pkg = owners.get(realpathSync(path));
      if (!pkg) throw new ToolError(`tool ${JSON.stringify(command)} (${realpathSync(path)}) belongs to no Debian package; batu hashes only packaged tools`);
      resolved.set(command, { command, path, package: pkg, version: versions.get(pkg)! });
    }
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
  return new Map(stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
}
