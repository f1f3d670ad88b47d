// A domain's WireGuard + VXLAN tunnels on its node: who its peers are (listed in the file,
// or one file per peer in a directory, holding the peer's public key: `gateway peer add`
// writes them), the devices in the node, and bringing them up once the node has booted —
// each start, so a node that died comes back with its tunnels. The host forwards each
// tunnel's UDP port to the node (daemons/nftables.ts); the node answers through the host.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { guestQuiet, type NodeRef } from '../runner/index.ts';
import { WIREGUARD_KEY, type Domain, type Tunnel } from './file.ts';
import { batmanBandwidth, domainMac, managementAddresses } from './node.ts';
import type { DomainPlan } from './plan.ts';
import { wireguardVxlanUp, type TunnelDevices } from './wireguard-vxlan.ts';

type WireguardTunnel = Extract<Tunnel, { kind: 'wireguard-vxlan' }>;

export interface NamedPeer {
  name: string;
  publicKey: string;
}

/** The node's devices of a domain's tunnel `device` (vx-DOMAIN): the VXLAN has that name, WireGuard wg-DOMAIN. */
export const wireguardDevices = (device: string): TunnelDevices => ({ wg: `wg-${device.slice(3)}`, vxlan: device });

/** A tunnel's peers: the file's list, or the directory's files (names not starting with "."); a file that holds no key is reported and skipped. */
export async function wireguardPeerList(
  tunnel: WireguardTunnel,
  report: (line: string) => void = () => {},
): Promise<NamedPeer[]> {
  if (Array.isArray(tunnel.peers)) return tunnel.peers;
  const { directory } = tunnel.peers;
  const peers: NamedPeer[] = [];
  for (const name of (await readdir(directory)).sort()) {
    if (name.startsWith('.')) continue;
    const publicKey = (await readFile(join(directory, name), 'utf8').catch(() => '')).trim();
    if (WIREGUARD_KEY.test(publicKey)) peers.push({ name, publicKey });
    else report(`peer file ${join(directory, name)} holds no WireGuard public key; skipped`);
  }
  return peers;
}

/** The domain's WireGuard tunnels, each with its devices. */
export function wireguardTunnels(domain: Domain, plan: DomainPlan) {
  return domain.tunnels.flatMap((tunnel, t) =>
    tunnel.kind === 'wireguard-vxlan' ? [{ tunnel, devices: wireguardDevices(plan.tunnels[t].device) }] : [],
  );
}

/** Bring up the domain's WireGuard + VXLAN tunnels in its freshly booted node. */
export async function domainWireguardUp(
  node: NodeRef,
  domain: Domain,
  plan: DomainPlan,
  index: number,
  report: (line: string) => void = () => {},
): Promise<void> {
  const tunnels = wireguardTunnels(domain, plan);
  if (!tunnels.length) return;
  // Answers to routers leave through the host, which forwarded their packets in (and undoes its DNAT).
  const host = managementAddresses(index).host.split('/')[0];
  await guestQuiet(node, 'ip', ['route', 'replace', 'default', 'via', host]);
  for (const [k, { tunnel, devices }] of tunnels.entries())
    await wireguardVxlanUp(node, {
      ...devices,
      role: 'gateway',
      privateKey: (await readFile(tunnel.privateKeyFile, 'utf8')).trim(),
      listenPort: tunnel.port,
      vni: tunnel.vni,
      mtu: tunnel.mtu,
      mac: domainMac(domain.respondd.hostname, 'hard', 0x80 + k),
      peers: await wireguardPeerList(tunnel, report),
      ...(tunnel.throughputOverride ? { throughputOverride: batmanBandwidth(tunnel.throughputOverride) } : {}),
    });
}
