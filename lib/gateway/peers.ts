// `batu gateway peer add|remove`: a fastd peer is a file in the tunnel's peer directory
// (`key "…";`, named after the peer, as communities keep them in git); fastd is told with
// SIGHUP, which reloads its peers without dropping the others' connections, and the node
// never restarts. Names and keys are checked before anything is written.
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { daemonSockets } from './configs.ts';
import { FASTD_SECRET, type GatewayFile } from './file.ts';
import { planOf } from './plan.ts';

export class PeerError extends Error {
  override name = 'PeerError';
}

const PEER_NAME = /^[A-Za-z0-9_][\w.-]{0,63}$/;

export interface PeerChange {
  /** The peer file written or removed. */
  file: string;
  /** The fastd told (its pid), or why none was: not running. */
  reloaded?: number;
  notRunning?: string;
}

/** The fastd tunnel of `domain` whose peers live in a directory: the one there is, or `device`. */
function peerTunnel(gateway: GatewayFile, domainName: string, device?: string) {
  const index = gateway.domains.findIndex((d) => d.name === domainName);
  if (index < 0)
    throw new PeerError(
      `no domain ${JSON.stringify(domainName)} in the gateway file (domains: ${gateway.domains.map((d) => d.name).join(', ')})`,
    );
  const plan = planOf(gateway).domains[index];
  const fastd = gateway.domains[index].tunnels.flatMap((tunnel, t) =>
    tunnel.kind === 'fastd' ? [{ tunnel, device: plan.tunnels[t].device }] : [],
  );
  const chosen = device ? fastd.filter((f) => f.device === device) : fastd;
  if (chosen.length !== 1)
    throw new PeerError(
      fastd.length === 0
        ? `domain ${domainName} has no fastd tunnel (WireGuard peers: not yet)`
        : `domain ${domainName}: ${device ? `no fastd tunnel ${device}` : 'several fastd tunnels'}; choose one with --tunnel (${fastd.map((f) => f.device).join(', ')})`,
    );
  const { tunnel, device: chosenDevice } = chosen[0];
  if (!('directory' in tunnel.peers))
    throw new PeerError(
      `domain ${domainName}: ${chosenDevice} takes its peers from an on-verify command, not a directory`,
    );
  return { directory: tunnel.peers.directory, device: chosenDevice };
}

function checkName(name: string): void {
  if (!PEER_NAME.test(name))
    throw new PeerError(
      `bad peer name ${JSON.stringify(name)}: expected 1–64 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
}

/**
 * SIGHUP to the tunnel's fastd, if it runs: by its pid file (gateway up), else through
 * systemd (Debian's fastd@ unit, whose ExecReload is that SIGHUP).
 */
async function reload(runDir: string, device: string): Promise<Pick<PeerChange, 'reloaded' | 'notRunning'>> {
  const pidFile = daemonSockets(runDir).fastdPid(device);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() !== 'fastd') return { notRunning: `pid ${pid} (${pidFile}) is not fastd now` };
    process.kill(pid, 'SIGHUP');
    return { reloaded: pid };
  }
  const unit = `fastd@${device}.service`;
  if (existsSync('/run/systemd/system')) {
    const { stdout } = await execa('systemctl', ['show', '-P', 'MainPID', unit], { reject: false });
    const main = Number(stdout.trim());
    if (main > 0) {
      await execa('systemctl', ['reload', unit]);
      return { reloaded: main };
    }
  }
  return { notRunning: `no pid in ${pidFile}, and no ${unit} running` };
}

export async function addPeer(
  gateway: GatewayFile,
  { domain, name, key, tunnel, runDir }: { domain: string; name: string; key: string; tunnel?: string; runDir: string },
): Promise<PeerChange> {
  checkName(name);
  if (!FASTD_SECRET.test(key))
    throw new PeerError(
      `bad fastd key ${JSON.stringify(key)}: expected the peer's public key, 64 hex characters (fastd --show-key)`,
    );
  const { directory, device } = peerTunnel(gateway, domain, tunnel);
  if (!existsSync(directory))
    throw new PeerError(`the peer directory ${directory} does not exist (batu gateway keys makes it)`);
  const file = join(directory, name);
  // Written whole, then renamed into place: fastd never reads half a peer.
  const temporary = join(directory, `.${name}.tmp`);
  await writeFile(temporary, `key "${key}";\n`);
  await chmod(temporary, 0o644); // fastd reads it as the gateway's user, whatever the umask
  await rename(temporary, file);
  return { file, ...(await reload(runDir, device)) };
}

export async function removePeer(
  gateway: GatewayFile,
  { domain, name, tunnel, runDir }: { domain: string; name: string; tunnel?: string; runDir: string },
): Promise<PeerChange> {
  checkName(name);
  const { directory, device } = peerTunnel(gateway, domain, tunnel);
  const file = join(directory, name);
  if (!existsSync(file)) throw new PeerError(`domain ${domain}: no peer ${name} (no file ${file})`);
  await rm(file);
  return { file, ...(await reload(runDir, device)) };
}
