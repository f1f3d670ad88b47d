// A running gateway, asked part by part from outside (`batu gateway status`, the metrics):
// each domain's node over its batctl service on the management bridge, fastd over its status
// socket, kea over its control socket. A part that does not answer is reported as such; the
// rest is still shown.
import type { NodeRef } from '../runner/index.ts';
import { batctl } from '../runner/index.ts';
import { daemonSockets } from './configs.ts';
import { fastdPeers, keaAssigned, type FastdPeer } from './daemons/sockets.ts';
import type { GatewayFile } from './file.ts';
import { managementAddresses } from './node.ts';
import { readNodeState, type NodeState } from './node-state.ts';
import type { GatewayPlan } from './plan.ts';

export interface DomainStatus {
  domain: string;
  node: string;
  /** The node's state, or why it could not be read. */
  state?: NodeState;
  nodeError?: string;
  /** What the node announces (batctl gw_mode). */
  announcement?: string;
  tunnels: { device: string; kind: string; peers?: FastdPeer[]; error?: string }[];
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
        if (tunnel.kind !== 'fastd') {
          status.tunnels.push({ device, kind: tunnel.kind, error: 'not run by gateway up yet' });
          continue;
        }
        status.tunnels.push(
          await fastdPeers(sockets.fastd(device)).then(
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
  domains.every((d) => d.state && !d.leasesError && d.tunnels.every((t) => t.kind !== 'fastd' || t.peers));

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
