// A gateway domain's node: batman-adv with the domain's settings (gw_mode server with its
// bandwidth, the routing algorithm, the OGM interval, the hop penalty), eth0 on a management
// bridge of its own (its batctl service, for status, metrics and respondd; WireGuard's UDP
// reaches the node there too), bat0's host side (eth1) a tap in the domain's client bridge,
// and a hard interface per fastd tunnel: a tap of the node's in a bridge with fastd's own tap
// (fastd and UML cannot open one tap together), with throughput_override where the file sets it. The node runs unprivileged:
// the runner makes its taps and hands them over as descriptors (tapFds), nothing else.
// Every MAC derives from the domain's respondd host name, unique on a community's map: two
// gateways in one mesh never share one, and a restarted node or gateway keeps its own, so
// the mesh's translation and ARP tables (DAT answers from its cache for minutes) stay right.
import { createHash } from 'node:crypto';
import type { NodeSpecInput } from '../cmdline/index.ts';
import type { Domain } from './file.ts';
import { fastdBridge, type DomainPlan } from './plan.ts';

/** A domain's host devices: bridges (the host side makes them once), the node's taps into them, and the descriptor each tap is handed over as. */
export interface DomainDevices {
  /** Host bridges to make first: name → its address and MAC, where it has them. */
  bridges: Record<string, { address?: string; mac?: string }>;
  /** The node's taps, each into its bridge. */
  attach: Record<string, string>;
  /** Descriptor → tap, for the runner to open and hand over. */
  tapFds: Record<number, string>;
}

export interface DomainNode extends DomainDevices {
  spec: NodeSpecInput;
}

const handed = (fd: number, extra: { mac?: string; mtu?: number } = {}) => ({
  driver: 'vector' as const,
  transport: 'fd' as const,
  fd,
  fdKind: 'tap' as const,
  ...extra,
});

/** batman-adv's gw_bandwidth takes kbit and mbit only. */
export function batmanBandwidth(bandwidth: string): string {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)bit$/i.exec(bandwidth);
  if (!m) throw new Error(`bad bandwidth ${bandwidth}`);
  const [, n, unit] = m;
  const lower = unit.toLowerCase();
  if (lower === 'g') return `${Number(n) * 1000}mbit`;
  return lower ? `${n}${lower}bit` : `${Number(n) / 1000}kbit`;
}

/** A domain's MACs: 02 (local, unicast), three bytes of its host name's SHA-256, a role, an index. */
export function domainMac(hostname: string, role: 'bat0' | 'bat0-tap' | 'hard' | 'client-bridge', index = 0): string {
  const id = createHash('sha256').update(hostname).digest().subarray(0, 3);
  const roles = { bat0: 0, 'bat0-tap': 1, hard: 2, 'client-bridge': 3 };
  return [2, ...id, roles[role], index].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The management addresses of domain `index` (0-based): the host's on the bridge, the node's. */
export const managementAddresses = (index: number) => ({
  host: `169.254.${100 + index}.1/24`,
  node: `169.254.${100 + index}.2/24`,
});

/** The host devices of domain `name`'s management link: the node's tap and its bridge. */
export const managementDevices = (name: string) => ({ tap: `gm-${name}`, bridge: `bm-${name}` });

/** What a domain's node announces (batctl gw_mode server's argument): its bandwidth down/up. */
export const gatewayBandwidth = (domain: Domain) =>
  `${batmanBandwidth(domain.gateway.down)}/${batmanBandwidth(domain.gateway.up)}`;

/** The fastd tunnels of a domain, each with its host device (its tap's name: fastd-DOMAIN). */
const fastdTunnels = (domain: Domain, plan: DomainPlan) =>
  domain.tunnels.flatMap((tunnel, t) => (tunnel.kind === 'fastd' ? [{ tunnel, device: plan.tunnels[t].device }] : []));

/** The node's tap for its j-th fastd tunnel (tf-DOMAIN, tf-DOMAIN2 …). */
const fastdTap = (name: string, j: number) => `tf-${name}${j ? j + 1 : ''}`;

export function domainDevices(domain: Domain, plan: DomainPlan, index: number): DomainDevices {
  const { name } = domain;
  const management = managementDevices(name);
  const fastd = fastdTunnels(domain, plan);
  const taps = fastd.map((_, j) => fastdTap(name, j));
  return {
    bridges: {
      [management.bridge]: { address: managementAddresses(index).host },
      // Fixed, or a bridge takes its lowest port's MAC, and the node's tap is new after a restart.
      [plan.bridge]: {
        address: domain.clients.ipv4.address,
        mac: domainMac(domain.respondd.hostname, 'client-bridge'),
      },
      ...Object.fromEntries(fastd.map(({ device }) => [fastdBridge(device), {}])),
    },
    attach: {
      [management.tap]: management.bridge,
      [plan.bat0Tap]: plan.bridge,
      ...Object.fromEntries(fastd.map(({ device }, j) => [taps[j], fastdBridge(device)])),
    },
    tapFds: { 3: management.tap, 4: plan.bat0Tap, ...Object.fromEntries(taps.map((tap, j) => [5 + j, tap])) },
  };
}

export function domainNode(
  domain: Domain,
  plan: DomainPlan,
  {
    kernel,
    image,
    index,
    announce = true,
  }: {
    kernel: string;
    image: string;
    index: number;
    /** gw_mode server from the start (else off) */ announce?: boolean;
  },
): DomainNode {
  const mac = (role: Parameters<typeof domainMac>[1], i = 0) => domainMac(domain.respondd.hostname, role, i);
  const fastd = fastdTunnels(domain, plan);
  return {
    spec: {
      umid: plan.node,
      kernel,
      image,
      management: handed(3),
      bat0Tap: handed(4, { mac: mac('bat0-tap') }),
      hard: fastd.map(({ tunnel }, j) => handed(5 + j, { mac: mac('hard', j), mtu: tunnel.mtu })),
      bat0Mac: mac('bat0'),
      serviceIp: managementAddresses(index).node,
      batctlWrapper: true,
      // WireGuard's private key goes in by 9P (wireguard-domain.ts), never on a command line.
      u9fs: domain.tunnels.some((t) => t.kind === 'wireguard-vxlan'),
      routingAlgo: domain.routingAlgo,
      mesh: {
        // (gw_bandwidth is set as `gw_mode server BANDWIDTH`: an unannounced node has none yet)
        ...(announce
          ? { gw_mode: 'server' as const, gw_bandwidth: gatewayBandwidth(domain) }
          : { gw_mode: 'off' as const }),
        orig_interval: domain.originatorIntervalMs,
        hop_penalty: domain.hopPenalty,
      },
      writes: fastd.flatMap(({ tunnel }, j) =>
        tunnel.throughputOverride
          ? [
              {
                path: `/sys/class/net/vec${2 + j}/batman_adv/throughput_override`,
                value: batmanBandwidth(tunnel.throughputOverride),
              },
            ]
          : [],
      ),
    },
    ...domainDevices(domain, plan, index),
  };
}
