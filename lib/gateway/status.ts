// A running gateway, asked part by part from outside (`batu gateway status`, the metrics):
// each domain's node over its batctl service on the management bridge (WireGuard's peers
// too), fastd over its status socket, kea over its control socket. A part that does not
// answer is reported as such; the rest is still shown.
import type { NodeRef } from '../runner/index.ts';
import { batctl } from '../runner/index.ts';
import { daemonSockets } from './configs.ts';
import { fastdPeers, keaAssigned, type FastdPeer } from './daemons/sockets.ts';
import type { GatewayFile, Tunnel } from './file.ts';
import { managementAddresses } from './node.ts';
import { readNodeState, type NodeState } from './node-state.ts';
import type { GatewayPlan } from './plan.ts';
import { wireguardDevices, wireguardPeerList } from './wireguard-domain.ts';
import { connected, wireguardPeers } from './wireguard-vxlan.ts';

export interface DomainStatus {
  domain: string;
  node: string;
  /** The node's state, or why it could not be read. */
  state?: NodeState;
  nodeError?: string;
  /** What the node announces (batctl gw_mode). */
  announcement?: string;
  tunnels: { device: string; kind: string; peers?: TunnelPeer[]; error?: string }[];
  /** kea's assigned addresses in the domain's subnet. */
  leases?: number;
  leasesError?: string;
}

/** A domain's node, reached over its batctl service (all that readNodeState needs). */
export function domainNodeRef(plan: GatewayPlan, index: number): NodeRef {
  return {
    spec: { umid: plan.domains[index].node, batctlWrapper: true },
    serviceIp: managementAddresses(index).node.split('/')[0],
  } as NodeRef;
}

const message = (error: unknown) => (error as Error).message.split('\n')[0];

/** A tunnel's peer as status shows it (fastd's own shape; a WireGuard peer has no MACs). */
export type TunnelPeer = FastdPeer;

/** A WireGuard tunnel's peers from its node, named as the file or directory names them. */
async function nodeWireguardPeers(
  node: NodeRef,
  tunnel: Extract<Tunnel, { kind: 'wireguard-vxlan' }>,
  wg: string,
): Promise<TunnelPeer[]> {
  const names = new Map((await wireguardPeerList(tunnel)).map((p) => [p.publicKey, p.name]));
  return (await wireguardPeers(node, wg)).map((p) => ({
    name: names.get(p.publicKey) ?? p.publicKey,
    key: p.publicKey,
    address: p.endpoint ?? '',
    connected: connected(p),
    macs: [],
  }));
}

export async function gatewayStatus(
  gateway: GatewayFile,
  plan: GatewayPlan,
  { runDir }: { runDir: string },
): Promise<DomainStatus[]> {
  const sockets = daemonSockets(runDir);
  const kea = gateway.domains.some((d) => d.clients.ipv4.dhcp)
    ? await keaAssigned(sockets.kea).catch((error: unknown) => new Error(message(error)))
    : undefined;
  return Promise.all(
    gateway.domains.map(async (domain, index): Promise<DomainStatus> => {
      const node = domainNodeRef(plan, index);
      const status: DomainStatus = { domain: domain.name, node: plan.domains[index].node, tunnels: [] };
      await Promise.all([
        readNodeState(node).then(
          (state) => (status.state = state),
          (error: unknown) => (status.nodeError = message(error)),
        ),
        batctl(node, ['meshif', 'bat0', 'gw_mode']).then(
          (text) => (status.announcement = text.trim()),
          () => {},
        ),
      ]);
      for (const [t, tunnel] of domain.tunnels.entries()) {
        const { device } = plan.domains[index].tunnels[t];
        const peers =
          tunnel.kind === 'fastd'
            ? fastdPeers(sockets.fastd(device))
            : nodeWireguardPeers(node, tunnel, wireguardDevices(device).wg);
        status.tunnels.push(
          await peers.then(
            (peers) => ({ device, kind: tunnel.kind, peers }),
            (error: unknown) => ({ device, kind: tunnel.kind, error: message(error) }),
          ),
        );
      }
      if (domain.clients.ipv4.dhcp) {
        if (kea instanceof Error) status.leasesError = kea.message;
        else status.leases = kea?.get(index + 1) ?? 0; // kea's subnet id (daemons/kea.ts)
      }
      return status;
    }),
  );
}

/** Whether every part answered. */
export const allAnswered = (domains: DomainStatus[]) =>
  domains.every((d) => d.state && !d.leasesError && d.tunnels.every((t) => t.peers));

/** The status as `gateway status` prints it. */
export function statusText(domains: DomainStatus[]): string {
  const lines: string[] = [];
  for (const d of domains) {
    const s = d.state;
    lines.push(
      s
        ? `domain ${d.domain}: node ${d.node} up, bat0 ${s.meshMac}, ${s.algo}, ${d.announcement ?? 'gw_mode unknown'}`
        : `domain ${d.domain}: node ${d.node} DOWN (${d.nodeError})`,
    );
    if (s) {
      const originators = new Set(s.originators.map((o) => o.orig)).size;
      lines.push(`  originators ${originators}, other gateways ${s.gateways.length}, clients ${s.localClients.length}`);
      for (const o of s.originators.filter((o) => o.best && o.orig === o.via))
        lines.push(
          `  neighbour ${o.orig} on ${o.ifname}: ${o.tq !== undefined ? `TQ ${o.tq}` : `${o.throughput} kbit/s`}, seen ${(o.lastSeenMs / 1000).toFixed(1)} s ago`,
        );
    }
    for (const t of d.tunnels) {
      if (!t.peers) {
        lines.push(`  tunnel ${t.device} (${t.kind}): ${t.error}`);
        continue;
      }
      const up = t.peers.filter((p) => p.connected);
      lines.push(`  tunnel ${t.device} (${t.kind}): ${up.length} of ${t.peers.length} peers connected`);
      for (const p of up) lines.push(`    ${p.name} ${p.address}`);
    }
    if (d.leases !== undefined) lines.push(`  DHCPv4 leases ${d.leases}`);
    if (d.leasesError) lines.push(`  DHCPv4 leases unknown: ${d.leasesError}`);
  }
  return lines.join('\n');
}
