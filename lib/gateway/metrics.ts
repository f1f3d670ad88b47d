// The gateway's Prometheus metrics (text at /metrics), per domain, from each node's state:
// originators, neighbours with their TQ (BATMAN_IV) or throughput (BATMAN_V), other
// gateways and the one chosen, local clients, batman-adv's traffic counters, tunnel peers,
// DHCP leases and node restarts. Written with prom-client: a registry made afresh for each scrape.
import { Counter, Gauge, Registry } from 'prom-client';
import type { NodeState } from './node-state.ts';

export interface DomainMetrics {
  domain: string;
  /** The node's state; undefined while it is down or not answering. */
  state?: NodeState;
  /** Restarts of its node, where this process knows them (gateway up; not systemd's units). */
  restarts?: number;
  /** Connected peers per tunnel. */
  tunnels: { device: string; kind: string; peers: number }[];
  /** kea's assigned addresses in the domain's subnet, where it serves DHCPv4. */
  leases?: number;
}

const TRAFFIC = ['tx', 'rx', 'forward', 'mgmt_tx', 'mgmt_rx'] as const;

export async function metricsText(domains: DomainMetrics[]): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `batu_gateway_${name}`, help, labelNames: ['domain', ...labelNames], registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `batu_gateway_${name}`, help, labelNames: ['domain', ...labelNames], registers: [registry] });
  const up = gauge('node_up', "1 while the domain's node runs and answers");
  const restarts = counter('node_restarts_total', "times the domain's node was started again after it died");
  const originators = gauge('originators', 'originators batman-adv knows (batctl o)');
  const neighbourTq = gauge('neighbour_tq', 'TQ of a direct neighbour (0–255, BATMAN_IV)', ['interface', 'neighbour']);
  const neighbourThroughput = gauge('neighbour_throughput_kbits', 'throughput to a direct neighbour (BATMAN_V)', [
    'interface',
    'neighbour',
  ]);
  const neighbourSeen = gauge('neighbour_last_seen_seconds', 'since a neighbour was last heard', [
    'interface',
    'neighbour',
  ]);
  const gateways = gauge('gateways', 'other gateways batman-adv knows');
  const clients = gauge('clients', 'clients in the local translation table');
  const packets = counter('traffic_packets_total', "batman-adv's packet counters", ['direction']);
  const bytes = counter('traffic_bytes_total', "batman-adv's byte counters", ['direction']);
  const peers = gauge('tunnel_peers', 'peers connected through a tunnel', ['tunnel', 'kind']);
  const leases = gauge('dhcp_leases', "kea's assigned addresses in the domain's subnet");

  for (const d of domains) {
    const domain = d.domain;
    up.set({ domain }, d.state ? 1 : 0);
    if (d.restarts !== undefined) restarts.inc({ domain }, d.restarts);
    for (const t of d.tunnels) peers.set({ domain, tunnel: t.device, kind: t.kind }, t.peers);
    if (d.leases !== undefined) leases.set({ domain }, d.leases);
    const s = d.state;
    if (!s) continue;
    originators.set({ domain }, new Set(s.originators.map((o) => o.orig)).size);
    for (const o of s.originators.filter((o) => o.best && o.orig === o.via)) {
      const labels = { domain, interface: o.ifname, neighbour: o.orig };
      if (o.tq !== undefined) neighbourTq.set(labels, o.tq);
      if (o.throughput !== undefined) neighbourThroughput.set(labels, o.throughput);
    }
    for (const n of s.neighbours)
      neighbourSeen.set({ domain, interface: n.ifname, neighbour: n.mac }, n.lastSeenMs / 1000);
    gateways.set({ domain }, s.gateways.length);
    clients.set({ domain }, s.localClients.length);
    for (const direction of TRAFFIC) {
      packets.inc({ domain, direction }, s.traffic[direction] ?? 0);
      bytes.inc({ domain, direction }, s.traffic[`${direction}_bytes`] ?? 0);
    }
  }
  return registry.metrics();
}
