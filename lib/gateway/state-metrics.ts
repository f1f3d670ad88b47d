// What a node's batman-adv knows as Prometheus metrics, for the gateway's /metrics (a node per
// domain) and a mesh's (every node): up, restarts, originators, neighbours with their TQ
// (BATMAN_IV) or throughput (BATMAN_V), other gateways and the one chosen, local clients,
// batman-adv's traffic counters. One label names the node (domain or node).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeState } from './node-state.ts';

export interface StateEntry {
  /** The label's value: the domain, or the node's name. */
  key: string;
  /** The node's state; undefined while it is down or not answering. */
  state?: NodeState;
  /** Restarts of its node, where this process knows them. */
  restarts?: number;
  /** The chosen gateway's label, where the caller can name it (a mesh's node name). */
  chosenGateway?: string | null;
}

const TRAFFIC = ['tx', 'rx', 'forward', 'mgmt_tx', 'mgmt_rx'] as const;

/** Register the metrics of `entries` in `registry`, named `<prefix>_…`, labelled `<label>`. */
export function registerStateMetrics(registry: Registry, prefix: string, label: string, entries: StateEntry[]): void {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${prefix}_${name}`, help, labelNames: [label, ...labelNames], registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name: `${prefix}_${name}`, help, labelNames: [label, ...labelNames], registers: [registry] });
  const up = gauge('node_up', '1 while the node runs and answers');
  const restarts = counter('node_restarts_total', 'times the node was started again after it died');
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
  const chosen = gauge('gateway_chosen', 'the gateway batman-adv chose (1)', ['gateway']);
  const clients = gauge('clients', 'clients in the local translation table');
  const packets = counter('traffic_packets_total', "batman-adv's packet counters", ['direction']);
  const bytes = counter('traffic_bytes_total', "batman-adv's byte counters", ['direction']);

  for (const e of entries) {
    const key = { [label]: e.key };
    up.set(key, e.state ? 1 : 0);
    if (e.restarts !== undefined) restarts.inc(key, e.restarts);
    const s = e.state;
    if (!s) continue;
    originators.set(key, new Set(s.originators.map((o) => o.orig)).size);
    for (const o of s.originators.filter((o) => o.best && o.orig === o.via)) {
      const labels = { ...key, interface: o.ifname, neighbour: o.orig };
      if (o.tq !== undefined) neighbourTq.set(labels, o.tq);
      if (o.throughput !== undefined) neighbourThroughput.set(labels, o.throughput);
    }
    for (const n of s.neighbours)
      neighbourSeen.set({ ...key, interface: n.ifname, neighbour: n.mac }, n.lastSeenMs / 1000);
    gateways.set(key, s.gateways.length);
    const best = s.gateways.find((g) => g.best);
    if (best) chosen.set({ ...key, gateway: e.chosenGateway ?? best.orig }, 1);
    clients.set(key, s.localClients.length);
    for (const direction of TRAFFIC) {
      packets.inc({ ...key, direction }, s.traffic[direction] ?? 0);
      bytes.inc({ ...key, direction }, s.traffic[`${direction}_bytes`] ?? 0);
    }
  }
}
