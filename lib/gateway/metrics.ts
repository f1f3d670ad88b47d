// The gateway's Prometheus metrics (text at /metrics), per domain: what its node knows
// (state-metrics.ts, shared with a mesh's /metrics), tunnel peers and DHCP leases. Written
// with prom-client: a registry made afresh for each scrape.
import { Gauge, Registry } from 'prom-client';
import { registerStateMetrics } from './state-metrics.ts';
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

export async function metricsText(domains: DomainMetrics[]): Promise<string> {
  const registry = new Registry();
  registerStateMetrics(
    registry,
    'batu_gateway',
    'domain',
    domains.map((d) => ({ key: d.domain, state: d.state, restarts: d.restarts })),
  );
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name: `batu_gateway_${name}`, help, labelNames: ['domain', ...labelNames], registers: [registry] });
  const peers = gauge('tunnel_peers', 'peers connected through a tunnel', ['tunnel', 'kind']);
  const leases = gauge('dhcp_leases', "kea's assigned addresses in the domain's subnet", []);
  for (const d of domains) {
    for (const t of d.tunnels) peers.set({ domain: d.domain, tunnel: t.device, kind: t.kind }, t.peers);
    if (d.leases !== undefined) leases.set({ domain: d.domain }, d.leases);
  }
  return registry.metrics();
}
