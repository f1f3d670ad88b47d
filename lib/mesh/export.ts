// A mesh snapshot in the formats other tools read: meshviewer.json (what yanic writes and a
// Freifunk community's meshviewer map reads), NetJSON NetworkGraph (netjsongraph.js, OpenWISP)
// and Graphviz dot. Pure functions of a snapshot.
import { nodeId } from '../gateway/respondd-data.ts';
import type { MeshSnapshot, SnapshotNode } from './snapshot.ts';
import { dotText as quoted } from './vis.ts';

export const exportFormats = ['meshviewer', 'netjson', 'dot'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export { nodeId };

/** TQ 0–255 as meshviewer's 0..1; BATMAN_V's throughput has no such scale: 1 while heard. */
const scaled = (snapshot: MeshSnapshot, metric: number | null) =>
  metric === null ? 0 : snapshot.algorithm === 'BATMAN_IV' ? Math.round((metric / 255) * 1000) / 1000 : 1;

const clientsOf = (n: SnapshotNode) => n.state?.localClients.length ?? 0;

export function toMeshviewer(snapshot: MeshSnapshot) {
  const byName = new Map(snapshot.nodes.map((n) => [n.name, n]));
  const idOf = (name: string | null) => (name && byName.has(name) ? nodeId(byName.get(name)!.mac) : null);
  return {
    timestamp: snapshot.timestamp,
    nodes: snapshot.nodes.map((n) => {
      const online = n.state !== undefined;
      return {
        node_id: nodeId(n.mac),
        hostname: n.name,
        mac: n.mac,
        addresses: [] as string[],
        ...(n.location ? { location: n.location } : {}),
        is_online: online,
        is_gateway: n.gatewayMode === 'server',
        firstseen: n.firstStarted ?? snapshot.timestamp,
        lastseen: online ? snapshot.timestamp : (n.lastStarted ?? snapshot.timestamp),
        // yanic writes uptime as the time the node came up.
        ...(online && n.lastStarted ? { uptime: n.lastStarted } : {}),
        clients: clientsOf(n),
        clients_wifi24: 0,
        clients_wifi5: 0,
        clients_other: clientsOf(n),
        ...(n.gateway ? { gateway: idOf(n.gateway) } : {}),
        ...(n.gatewayNexthop ? { gateway_nexthop: idOf(n.gatewayNexthop) } : {}),
      };
    }),
    links: snapshot.links
      .filter((l) => !l.cut && (l.metric[0] !== null || l.metric[1] !== null))
      .map((l) => ({
        type: 'other',
        source: idOf(l.nodes[0])!,
        target: idOf(l.nodes[1])!,
        // source_tq: how well the source receives the target (its view), as yanic fills it.
        source_tq: scaled(snapshot, l.metric[0]),
        target_tq: scaled(snapshot, l.metric[1]),
        source_addr: l.macs[0],
        target_addr: l.macs[1],
      })),
  };
}

/** NetJSON NetworkGraph: nodes by name, one link per heard direction with TQ's cost (255/TQ). */
export function toNetJson(snapshot: MeshSnapshot) {
  const iv = snapshot.algorithm === 'BATMAN_IV';
  const cost = (metric: number) => (iv ? Math.round((255 / Math.max(metric, 1)) * 1000) / 1000 : 1_000_000 / metric);
  return {
    type: 'NetworkGraph',
    protocol: 'batman-adv',
    version: snapshot.algorithm,
    metric: iv ? 'TQ' : 'throughput',
    label: snapshot.name,
    router_id: snapshot.nodes[0]?.name ?? '',
    nodes: snapshot.nodes.map((n) => ({
      id: n.name,
      label: n.name,
      local_addresses: [n.mac],
      properties: {
        running: n.running,
        gateway_mode: n.gatewayMode,
        originators: n.originators.length,
        ...(n.gateway ? { gateway: n.gateway } : {}),
        ...(n.location ? { location: { lat: n.location.latitude, lng: n.location.longitude } } : {}),
      },
    })),
    links: snapshot.links.flatMap((l) =>
      ([0, 1] as const).flatMap((side) => {
        const metric = l.metric[side];
        if (l.cut || metric === null) return [];
        return [
          {
            source: l.nodes[side],
            target: l.nodes[1 - side],
            cost: cost(metric),
            cost_text: iv ? `TQ ${metric}` : `${metric} kbit/s`,
            properties: { [iv ? 'tq' : 'throughput']: metric, ...l.properties },
          },
        ];
      }),
    ),
  };
}

/** Graphviz: nodes by name (MAC as a second line), links labelled with both ends' metrics, cut ones dashed. */
export function toDot(snapshot: MeshSnapshot): string {
  const lines = [`graph ${quoted(snapshot.name)} {`, '  node [shape=box, style=rounded];'];
  for (const n of snapshot.nodes) {
    const style = n.state ? (n.gatewayMode === 'server' ? ', peripheries=2' : '') : ', color=gray, fontcolor=gray';
    lines.push(`  ${quoted(n.name)} [label=${quoted(n.name, n.mac)}${style}];`);
  }
  for (const l of snapshot.links) {
    const label = l.metric.map((m) => (m === null ? '-' : String(m))).join(' / ');
    const style = l.cut ? ', style=dashed, color=red' : l.metric.every((m) => m === null) ? ', color=gray' : '';
    lines.push(`  ${quoted(l.nodes[0])} -- ${quoted(l.nodes[1])} [label=${quoted(label)}${style}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The snapshot in a format, as text. */
export function exportSnapshot(snapshot: MeshSnapshot, format: ExportFormat): string {
  if (format === 'dot') return toDot(snapshot);
  return `${JSON.stringify(format === 'meshviewer' ? toMeshviewer(snapshot) : toNetJson(snapshot), null, 2)}\n`;
}
