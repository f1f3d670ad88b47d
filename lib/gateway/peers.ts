// `batu gateway peer add|remove`: a peer is a file in the tunnel's peer directory, named
// after the peer, as communities keep them in git. fastd's (`key "…";`) are read by fastd,
// told with SIGHUP, which reloads its peers without dropping the others' connections; a
// WireGuard peer's (its public key) is given to the running node at once, as wgkex does: a
// WireGuard peer and a VXLAN forwarding entry. The node never restarts. Names and keys are
// checked before anything is written.
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { daemonSockets } from './configs.ts';
import { batctl, type NodeRef } from '../runner/index.ts';
import { FASTD_SECRET, WIREGUARD_KEY, type GatewayFile, type Tunnel } from './file.ts';
import { planOf } from './plan.ts';
import { domainNodeRef } from './status.ts';
import { wireguardDevices } from './wireguard-domain.ts';
import { addWireguardPeer, removeWireguardPeer } from './wireguard-vxlan.ts';

export class PeerError extends Error {
  override name = 'PeerError';
}

const PEER_NAME = /^[A-Za-z0-9_][\w.-]{0,63}$/;

export interface PeerChange {
  /** The peer file written or removed. */
  file: string;
  /** Who was told (fastd, or for WireGuard the node), or why nobody was: it is not running. */
  told?: string;
  notTold?: string;
}

/** The tunnel of `domain` whose peers live in a directory: `device`, or the one tunnel that `fits` (`what` it is, for the error). */
function peerTunnel(
  gateway: GatewayFile,
  domainName: string,
  device: string | undefined,
  fits: (tunnel: Tunnel, device: string) => boolean,
  what: string,
) {
  const index = gateway.domains.findIndex((d) => d.name === domainName);
  if (index < 0)
    throw new PeerError(
      `no domain ${JSON.stringify(domainName)} in the gateway file (domains: ${gateway.domains.map((d) => d.name).join(', ')})`,
    );
  const plan = planOf(gateway);
  const tunnels = gateway.domains[index].tunnels.map((tunnel, t) => ({
    tunnel,
    device: plan.domains[index].tunnels[t].device,
  }));
  const chosen = device ? tunnels.filter((f) => f.device === device) : tunnels.filter((f) => fits(f.tunnel, f.device));
  if (chosen.length !== 1)
    throw new PeerError(
      `domain ${domainName}: ${device ? `no tunnel ${device}` : chosen.length ? `several ${what}` : `no ${what}`}; choose one with --tunnel (${tunnels.map((f) => f.device).join(', ')})`,
    );
  const { tunnel, device: chosenDevice } = chosen[0];
  if (!('directory' in tunnel.peers))
    throw new PeerError(
      tunnel.kind === 'fastd'
        ? `domain ${domainName}: ${chosenDevice} takes its peers from an on-verify command, not a directory`
        : `domain ${domainName}: ${chosenDevice} lists its peers in the gateway file; give it a peers directory to add and remove them here`,
    );
  return { kind: tunnel.kind, directory: tunnel.peers.directory, device: chosenDevice, index, plan };
}

function checkName(name: string): void {
  if (!PEER_NAME.test(name))
    throw new PeerError(
      `bad peer name ${JSON.stringify(name)}: expected 1–64 letters, digits, "_", "." or "-", not starting with "." or "-"`,
    );
}

const notTold = (who: string, why: string) => ({
  notTold: `${who} not told (${why}): it reads the directory when it starts`,
});

/**
 * SIGHUP to the tunnel's fastd, if it runs: by its pid file (gateway up), else through
 * systemd (Debian's fastd@ unit, whose ExecReload is that SIGHUP).
 */
async function reload(runDir: string, device: string): Promise<Pick<PeerChange, 'told' | 'notTold'>> {
  const pidFile = daemonSockets(runDir).fastdPid(device);
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) {
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trim() !== 'fastd') return notTold('fastd', `pid ${pid} (${pidFile}) is not fastd now`);
    process.kill(pid, 'SIGHUP');
    return { told: `fastd (pid ${pid}) reloads its peers` };
  }
  const unit = `fastd@${device}.service`;
  if (existsSync('/run/systemd/system')) {
    const { stdout } = await execa('systemctl', ['show', '-P', 'MainPID', unit], { reject: false });
    const main = Number(stdout.trim());
    if (main > 0) {
      await execa('systemctl', ['reload', unit]);
      return { told: `fastd (pid ${main}) reloads its peers` };
    }
  }
  return notTold('fastd', `no pid in ${pidFile}, and no ${unit} running`);
}

/** The node of a WireGuard tunnel told of a peer (added or removed), if it runs. */
async function tellNode(
  target: ReturnType<typeof peerTunnel>,
  done: string,
  change: (node: NodeRef) => Promise<void>,
): Promise<Pick<PeerChange, 'told' | 'notTold'>> {
  const node = domainNodeRef(target.plan, target.index);
  // Its batctl service answers with a gw_mode (not just anything listening on that address).
  const state = await batctl(node, ['meshif', 'bat0', 'gw_mode']).catch(() => '');
  if (!/^(off|client|server)\b/.test(state)) return notTold(`node ${node.spec.umid}`, 'it does not answer');
  await change(node);
  return { told: `node ${node.spec.umid} ${done}` };
}

export async function addPeer(
  gateway: GatewayFile,
  { domain, name, key, tunnel, runDir }: { domain: string; name: string; key: string; tunnel?: string; runDir: string },
): Promise<PeerChange> {
  checkName(name);
  const kind = FASTD_SECRET.test(key) ? 'fastd' : WIREGUARD_KEY.test(key) ? 'wireguard-vxlan' : undefined;
  if (!kind && !tunnel)
    throw new PeerError(
      `bad key ${JSON.stringify(key)}: expected a peer's public key, fastd's (64 hex characters) or WireGuard's (44 characters of base64)`,
    );
  // Without --tunnel, the key tells the kind: the domain's one tunnel of that kind.
  const target = peerTunnel(gateway, domain, tunnel, (t) => t.kind === kind, `${kind} tunnels`);
  const fastd = target.kind === 'fastd';
  if (fastd ? !FASTD_SECRET.test(key) : !WIREGUARD_KEY.test(key))
    throw new PeerError(
      fastd
        ? `bad fastd key ${JSON.stringify(key)}: expected the peer's public key, 64 hex characters (fastd --show-key)`
        : `bad WireGuard key ${JSON.stringify(key)}: expected the peer's public key, 44 characters of base64 (wg pubkey)`,
    );
  const { directory, device } = target;
  if (!existsSync(directory))
    throw new PeerError(`the peer directory ${directory} does not exist (batu gateway keys makes it)`);
  const file = join(directory, name);
  // Written whole, then renamed into place: fastd never reads half a peer.
  const temporary = join(directory, `.${name}.tmp`);
  await writeFile(temporary, fastd ? `key "${key}";\n` : `${key}\n`);
  await chmod(temporary, 0o644); // fastd reads it as the gateway's user, whatever the umask
  await rename(temporary, file);
  if (fastd) return { file, ...(await reload(runDir, device)) };
  return {
    file,
    ...(await tellNode(target, 'has it now', (node) =>
      addWireguardPeer(node, { ...wireguardDevices(device), role: 'gateway' }, { publicKey: key }),
    )),
  };
}

export async function removePeer(
  gateway: GatewayFile,
  { domain, name, tunnel, runDir }: { domain: string; name: string; tunnel?: string; runDir: string },
): Promise<PeerChange> {
  checkName(name);
  // Without --tunnel: the one tunnel whose directory holds the peer.
  const holds = (t: Tunnel) => 'directory' in t.peers && existsSync(join(t.peers.directory, name));
  const target = peerTunnel(gateway, domain, tunnel, holds, `tunnels with a peer ${name}`);
  const file = join(target.directory, name);
  if (!existsSync(file)) throw new PeerError(`domain ${domain}: no peer ${name} (no file ${file})`);
  const key = (await readFile(file, 'utf8')).trim();
  await rm(file);
  if (target.kind === 'fastd') return { file, ...(await reload(runDir, target.device)) };
  if (!WIREGUARD_KEY.test(key)) return { file, notTold: 'the node was not told: the file held no WireGuard key' };
  return {
    file,
    ...(await tellNode(target, 'dropped it', (node) =>
      removeWireguardPeer(node, wireguardDevices(target.device), key),
    )),
  };
}
