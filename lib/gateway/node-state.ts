// What a gateway's node knows, read over its batctl service in one go: its mesh interface
// and hard interfaces, originators (with TQ or throughput), neighbours, gateways, the
// clients in its local translation table, and batman-adv's traffic counters. The metrics and
// the respondd answers are both made from this.
import { batctl, batctlJson, type NodeRef } from '../runner/index.ts';

export interface NodeState {
  /** bat0's MAC, batman-adv's version and routing algorithm. */
  meshMac: string;
  version: string;
  algo: string;
  hardIfs: { name: string; mac: string; active: boolean }[];
  originators: {
    orig: string;
    via: string;
    ifname: string;
    tq?: number;
    throughput?: number;
    best: boolean;
    lastSeenMs: number;
  }[];
  neighbours: { mac: string; ifname: string; lastSeenMs: number }[];
  gateways: { orig: string; best: boolean; tq?: number; throughput?: number }[];
  /** MACs in the local translation table that are not the node's own (nopurge) entries. */
  localClients: string[];
  /** batman-adv's counters (batctl statistics): tx, rx, forward, mgmt_tx… with their _bytes. */
  traffic: Record<string, number>;
}

interface Originator {
  orig_address: string;
  neigh_address: string;
  hard_ifname: string;
  tq?: number;
  throughput?: number;
  best?: boolean;
  last_seen_msecs: number;
}

/** batctl statistics' "\tname: value" lines. */
export function parseStatistics(text: string): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const m of text.matchAll(/^\s*([a-z_0-9]+): (\d+)$/gm)) counters[m[1]] = Number(m[2]);
  return counters;
}

/**
 * routes: only the originator table (and the gateway list where `gateways`): one or two batctl
 * calls, not 7 — each a process in the guest and one on the host on the way, which is what a
 * read of a node costs (the live page polls this). Neighbours are then the originators heard
 * directly; the rest is empty (meshMac, version, algo '', hardIfs, localClients [], traffic {}).
 */
export async function readNodeState(
  node: NodeRef,
  { routes = false, gateways: withGateways = true } = {},
): Promise<NodeState> {
  const ask = <T>(wanted: boolean, query: string, empty: T): Promise<T> =>
    wanted ? batctlJson<T>(node, query) : Promise.resolve(empty);
  type Neighbour = { neigh_address: string; hard_ifname: string; last_seen_msecs: number };
  const [mesh, hardIfs, originators, neighbours, gateways, local, statistics] = await Promise.all([
    ask(!routes, 'mesh_json', { version: '', algo_name: '', mesh_address: '' }),
    ask<{ hard_ifname: string; hard_address: string; active: boolean }[]>(!routes, 'hardifs_json', []),
    ask<Originator[]>(true, 'originators_json', []),
    ask<Neighbour[] | undefined>(!routes, 'neighbors_json', undefined),
    ask<{ orig_address: string; best?: boolean; tq?: number; throughput?: number }[]>(
      !routes || withGateways,
      'gateways_json',
      [],
    ),
    ask<{ tt_address: string; tt_flags: { nopurge: boolean } }[]>(!routes, 'transtable_local_json', []),
    routes ? Promise.resolve('') : batctl(node, ['meshif', 'bat0', 'statistics']),
  ]);
  const heard: Neighbour[] = neighbours ?? originators.filter((o) => o.orig_address === o.neigh_address);
  return {
    meshMac: mesh.mesh_address,
    version: mesh.version,
    algo: mesh.algo_name,
    hardIfs: hardIfs.map((h) => ({ name: h.hard_ifname, mac: h.hard_address, active: h.active })),
    originators: originators.map((o) => ({
      orig: o.orig_address,
      via: o.neigh_address,
      ifname: o.hard_ifname,
      ...(o.tq !== undefined ? { tq: o.tq } : {}),
      ...(o.throughput !== undefined ? { throughput: o.throughput } : {}),
      best: o.best === true,
      lastSeenMs: o.last_seen_msecs,
    })),
    neighbours: heard.map((n) => ({ mac: n.neigh_address, ifname: n.hard_ifname, lastSeenMs: n.last_seen_msecs })),
    gateways: gateways.map((g) => ({
      orig: g.orig_address,
      best: g.best === true,
      ...(g.tq !== undefined ? { tq: g.tq } : {}),
      ...(g.throughput !== undefined ? { throughput: g.throughput } : {}),
    })),
    localClients: local.filter((e) => !e.tt_flags.nopurge).map((e) => e.tt_address),
    traffic: parseStatistics(statistics),
  };
}
