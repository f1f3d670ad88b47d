// Reading a gateway file: YAML or JSON (YAML's parser reads both), checked against the
// schema (file.ts), then against the machine: the key files and peer directories it names
// must be there. Every problem is reported at once, each with its field; nothing starts.
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { formatIssues } from '../issues.ts';
import { FASTD_SECRET, GatewayFile, WIREGUARD_KEY } from './file.ts';

export class GatewayFileError extends Error {
  override name = 'GatewayFileError';
}

/** A gateway file that is bigger is not one. */
const MAX_BYTES = 1 << 20;

export interface LoadedGateway {
  /** The file as checked, with defaults filled in and its paths made absolute. */
  gateway: GatewayFile;
  path: string;
}

/** The gateway file checked whole, and the files it names there. */
export async function loadGateway(path: string): Promise<LoadedGateway> {
  const loaded = await readGateway(path);
  const missing = await missingFiles(loaded.gateway);
  if (missing.length) throw new GatewayFileError(`gateway file ${path}: ${missing.join('\n  ')}`);
  return loaded;
}

/** The gateway file checked against the schema (the files it names may not be there yet). */
export async function readGateway(path: string): Promise<LoadedGateway> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new GatewayFileError(`gateway file ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile() || info.size > MAX_BYTES)
    throw new GatewayFileError(`gateway file ${path}: expected a file of at most 1 MiB`);
  let data: unknown;
  try {
    data = parse(await readFile(path, 'utf8'), { maxAliasCount: 100 });
  } catch (error) {
    throw new GatewayFileError(`gateway file ${path}: not YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  const checked = GatewayFile.safeParse(data);
  if (!checked.success)
    throw new GatewayFileError(`gateway file ${path}: ${formatIssues(checked.error, { data, separator: '\n  ' })}`);
  return { gateway: withAbsolutePaths(checked.data, dirname(resolve(path))), path: resolve(path) };
}

/** Key files and peer directories relative to the gateway file made absolute. */
function withAbsolutePaths(gateway: GatewayFile, dir: string): GatewayFile {
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  return {
    ...gateway,
    domains: gateway.domains.map((domain) => ({
      ...domain,
      tunnels: domain.tunnels.map((tunnel) =>
        tunnel.kind === 'fastd'
          ? {
              ...tunnel,
              secretKeyFile: absolute(tunnel.secretKeyFile),
              peers: 'directory' in tunnel.peers ? { directory: absolute(tunnel.peers.directory) } : tunnel.peers,
            }
          : {
              ...tunnel,
              privateKeyFile: absolute(tunnel.privateKeyFile),
              peers: Array.isArray(tunnel.peers) ? tunnel.peers : { directory: absolute(tunnel.peers.directory) },
            },
      ),
    })),
  };
}

/** What the file names that is not there (or not readable), as `field: problem (how to make it)`. */
async function missingFiles(gateway: GatewayFile): Promise<string[]> {
  const problems: string[] = [];
  const need = async (field: string, path: string, kind: 'file' | 'directory', howTo: string, key?: RegExp) => {
    try {
      await access(path, constants.R_OK);
      const info = await stat(path);
      if (kind === 'file' ? !info.isFile() : !info.isDirectory()) problems.push(`${field}: ${path} is not a ${kind}`);
      else if (key && (info.size > 256 || !key.test((await readFile(path, 'utf8')).trim())))
        problems.push(`${field}: ${path} holds no key (${howTo})`);
    } catch {
      problems.push(`${field}: no readable ${kind} ${path} (${howTo}; batu gateway keys makes what is missing)`);
    }
  };
  for (const [d, domain] of gateway.domains.entries())
    for (const [t, tunnel] of domain.tunnels.entries()) {
      const at = `domains.${d}.tunnels.${t}`;
      if (tunnel.kind === 'fastd') {
        await need(`${at}.secretKeyFile`, tunnel.secretKeyFile, 'file', 'fastd --generate-key', FASTD_SECRET);
        if ('directory' in tunnel.peers)
          await need(`${at}.peers.directory`, tunnel.peers.directory, 'directory', 'mkdir it');
      } else {
        await need(`${at}.privateKeyFile`, tunnel.privateKeyFile, 'file', 'wg genkey > FILE', WIREGUARD_KEY);
        if (!Array.isArray(tunnel.peers))
          await need(`${at}.peers.directory`, tunnel.peers.directory, 'directory', 'mkdir it');
      }
    }
  return problems;
}
