// What `batu gateway up` makes of a gateway file, domain by domain: the node and its user,
// the host devices, each tunnel and where it ends, the clients' network and who serves it,
// the exit and the map data. `gateway check` prints it; `up` follows it.
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { network, type Domain, type GatewayFile } from './file.ts';

export interface DomainPlan {
  domain: string;
  /** The node's name (its umid) and the user it runs as. */
  node: string;
  user: string;
  /** batman-adv's settings, as the node's command line sets them. */
  batman: { routingAlgo: string; origIntervalMs: number; hopPenalty: number; gateway: string };
  /** Host devices: the client bridge and bat0's tap in it. */
  bridge: string;
  bat0Tap: string;
  tunnels: { kind: string; port: number; where: 'host' | 'node'; device: string; detail: string }[];
  clients: { ipv4: string; dhcp?: string; ipv6?: string; dns: string[] };
  exit: string;
  respondd: string;
}

/**
 * A domain's node is named after its respondd host name, unique on a community's map: two
 * gateways (or two files) on one host never share a umid. Longer names are cut and hashed.
 */
export function nodeUmid(hostname: string): string {
  if (hostname.length <= 30) return hostname;
  return `${hostname.slice(0, 23)}-${createHash('sha256').update(hostname).digest('hex').slice(0, 6)}`;
}

/** The host bridge that joins a fastd tunnel's tap with the node's (bfastd-DOMAIN). */
export const fastdBridge = (device: string) => `b${device}`.slice(0, 15);

export interface GatewayPlan {
  domains: DomainPlan[];
  metrics?: string;
}

export function planOf(gateway: GatewayFile): GatewayPlan {
  return {
    domains: gateway.domains.map((domain) => domainPlan(domain, gateway.user)),
    ...(gateway.metrics
      ? { metrics: `http://${hostPort(gateway.metrics.address, gateway.metrics.port)}/metrics` }
      : {}),
  };
}

const hostPort = (address: string, port: number) =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

function domainPlan(domain: Domain, user: string): DomainPlan {
  const { name, clients } = domain;
  const v4 = ipaddr.IPv4.parseCIDR(clients.ipv4.address);
  const v6 = clients.ipv6 ? ipaddr.IPv6.parseCIDR(clients.ipv6.address) : undefined;
  return {
    domain: name,
    node: nodeUmid(domain.respondd.hostname),
    user,
    batman: {
      routingAlgo: domain.routingAlgo,
      origIntervalMs: domain.originatorIntervalMs,
      hopPenalty: domain.hopPenalty,
      gateway: `server ${domain.gateway.down}/${domain.gateway.up}`,
    },
    bridge: `br-${name}`,
    bat0Tap: `bat-${name}`,
    tunnels: domain.tunnels.map((tunnel, t) => {
      // fastd-<domain>, vx-<domain>; a second tunnel of a kind gets its number
      const nth = domain.tunnels.slice(0, t).filter((u) => u.kind === tunnel.kind).length;
      const device = `${tunnel.kind === 'fastd' ? 'fastd' : 'vx'}-${name}${nth ? nth + 1 : ''}`;
      return tunnel.kind === 'fastd'
        ? {
            kind: 'fastd',
            port: tunnel.port,
            where: 'host' as const,
            device,
            detail: `${tunnel.methods.join(', ')}; MTU ${tunnel.mtu}; at most ${tunnel.peerLimit} peers from ${
              'directory' in tunnel.peers ? tunnel.peers.directory : `on-verify ${tunnel.peers.onVerify}`
            }`,
          }
        : {
            kind: 'wireguard-vxlan',
            port: tunnel.port,
            where: 'node' as const,
            device,
            detail: `VNI ${tunnel.vni}; MTU ${tunnel.mtu}; ${
              Array.isArray(tunnel.peers) ? `${tunnel.peers.length} peers` : `peers from ${tunnel.peers.directory}`
            }`,
          };
    }),
    clients: {
      ipv4: `${v4[0]} on ${network(v4)}`,
      ...(clients.ipv4.dhcp
        ? { dhcp: `kea: ${clients.ipv4.dhcp.from}–${clients.ipv4.dhcp.to}, ${clients.ipv4.dhcp.leaseSeconds} s leases` }
        : {}),
      ...(v6 ? { ipv6: `radvd: ${network(v6)} (SLAAC), MTU ${clients.ipv6!.mtu}` } : {}),
      dns: clients.dns ?? [String(v4[0]), ...(v6 ? [String(v6[0])] : [])],
    },
    exit: domain.exit.kind === 'nat' ? `NAT (nftables) to ${domain.exit.uplink}` : 'routed',
    respondd: `${domain.respondd.hostname} (${domain.respondd.siteCode}${
      domain.respondd.domainCode ? `/${domain.respondd.domainCode}` : ''
    }) on UDP 1001 of ${`br-${name}`} only`,
  };
}

/** The plan as `gateway check` prints it. */
export function describePlan(plan: GatewayPlan): string {
  const lines: string[] = [];
  for (const d of plan.domains) {
    lines.push(`domain ${d.domain}: node ${d.node} as ${d.user}`);
    lines.push(
      `  batman-adv: ${d.batman.routingAlgo}, OGMs every ${d.batman.origIntervalMs} ms, hop penalty ${d.batman.hopPenalty}, gateway ${d.batman.gateway}`,
    );
    for (const t of d.tunnels)
      lines.push(
        `  tunnel ${t.kind} on UDP ${t.port} (${t.where === 'host' ? 'host' : 'in the node'}: ${t.device}): ${t.detail}`,
      );
    lines.push(`  clients: ${d.bridge} with bat0 (${d.bat0Tap}); ${d.clients.ipv4}`);
    if (d.clients.dhcp) lines.push(`    DHCPv4 by ${d.clients.dhcp}`);
    if (d.clients.ipv6) lines.push(`    IPv6 by ${d.clients.ipv6}`);
    lines.push(`    DNS: ${d.clients.dns.join(', ')}`);
    lines.push(`  exit: ${d.exit}`);
    lines.push(`  respondd: ${d.respondd}`);
  }
  if (plan.metrics) lines.push(`metrics: ${plan.metrics}`);
  return lines.join('\n');
}
