// `batu gateway keys`: the key files and peer directories a gateway file names that are not
// there yet, made with Debian's own tools (fastd --generate-key, wg genkey), mode 0600.
// Nothing that exists is touched.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import type { GatewayFile } from './file.ts';
import { openDirs } from './open-dirs.ts';

/** Make what is missing; returns the paths made. */
export async function makeMissingKeys(gateway: GatewayFile): Promise<string[]> {
  const made: string[] = [];
  const key = async (path: string, command: [string, string[]]) => {
    if (existsSync(path)) return;
    const { stdout } = await execa(command[0], command[1]);
    await openDirs(dirname(path));
    await writeFile(path, `${stdout.trim()}\n`, { mode: 0o600, flag: 'wx' });
    made.push(path);
  };
  const directory = async (peers: object) => {
    if (!('directory' in peers) || typeof peers.directory !== 'string' || existsSync(peers.directory)) return;
    await openDirs(peers.directory);
    made.push(peers.directory);
  };
  for (const domain of gateway.domains)
    for (const tunnel of domain.tunnels)
      if (tunnel.kind === 'fastd') await key(tunnel.secretKeyFile, ['fastd', ['--generate-key', '--machine-readable']]);
      else await key(tunnel.privateKeyFile, ['wg', ['genkey']]);
  for (const domain of gateway.domains) for (const tunnel of domain.tunnels) await directory(tunnel.peers);
  return made;
}
