// A gateway domain's respondd answer, in the format Gluon nodes and map collectors (yanic)
// use: node_id is bat0's MAC without colons (12 characters, the same in every section),
// `vpn: true` marks a gateway, its hard interfaces (all tunnels) are listed under
// nodeinfo.network.mesh.bat0.interfaces.tunnel, and neighbours are keyed by the MAC of the
// interface they are heard on (the MACs its peers see: how the map joins the links).
import type { Domain } from './file.ts';
import type { NodeState } from './node-state.ts';

export interface ResponddContext {
  domain: Domain;
  state: NodeState;
  /** The gateway's addresses on the clients' network. */
  addresses: string[];
  uptimeSeconds: number;
  release: string;
}

/** A Freifunk node_id: bat0's MAC without colons, 12 characters (yanic drops any other); meshviewer.json's too. */
export const nodeId = (mac: string) => mac.replaceAll(':', '');

export function responddData({ domain, state, addresses, uptimeSeconds, release }: ResponddContext) {
  const node_id = nodeId(state.meshMac);
  const { respondd } = domain;
  const macOf = new Map(state.hardIfs.map((h) => [h.name, h.mac]));
  const batadv: Record<string, { neighbours: Record<string, { tq?: number; throughput?: number; lastseen: number }> }> =
    {};
  for (const o of state.originators.filter((o) => o.best && o.orig === o.via)) {
    const own = macOf.get(o.ifname);
    if (!own) continue;
    const seen = state.neighbours.find((n) => n.mac === o.orig && n.ifname === o.ifname)?.lastSeenMs ?? o.lastSeenMs;
    (batadv[own] ??= { neighbours: {} }).neighbours[o.orig] = {
      ...(o.tq !== undefined ? { tq: o.tq } : {}),
      ...(o.throughput !== undefined ? { throughput: o.throughput } : {}),
      lastseen: seen / 1000,
    };
  }
  const traffic = (direction: string) => ({
    packets: state.traffic[direction] ?? 0,
    bytes: state.traffic[`${direction}_bytes`] ?? 0,
  });
  const kinds = new Set(domain.tunnels.map((t) => t.kind));
  return {
    nodeinfo: {
      node_id,
      hostname: respondd.hostname,
      network: {
        mac: state.meshMac,
        addresses,
        mesh: { bat0: { interfaces: { tunnel: state.hardIfs.map((h) => h.mac) } } },
      },
      vpn: true,
      ...(respondd.location ? { location: respondd.location } : {}),
      ...(respondd.contact ? { owner: { contact: respondd.contact } } : {}),
      system: { site_code: respondd.siteCode, ...(respondd.domainCode ? { domain_code: respondd.domainCode } : {}) },
      software: {
        'batman-adv': { version: state.version, compat: 15 },
        fastd: { enabled: kinds.has('fastd') },
        wireguard: { enabled: kinds.has('wireguard-vxlan') },
        firmware: { base: 'batu', release },
      },
      hardware: { model: 'batu gateway (User Mode Linux)', nproc: 1 },
    },
    statistics: {
      node_id,
      clients: { total: state.localClients.length },
      uptime: uptimeSeconds,
      traffic: {
        rx: traffic('rx'),
        tx: traffic('tx'),
        forward: traffic('forward'),
        mgmt_rx: traffic('mgmt_rx'),
        mgmt_tx: traffic('mgmt_tx'),
      },
    },
    neighbours: { node_id, batadv },
  };
}
