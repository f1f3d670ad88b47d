// batman-adv's own view of a mesh, read from every node over its batctl service:
// neighbours, originators with TQ and next hop, the chosen gateway.
import { batctlJson } from '../runner/index.ts';
import type { Mesh } from './mesh.ts';
import { nodeOfMac } from './node-spec.ts';

interface Originator {
  orig_address: string;
  neigh_address: string;
  tq?: number;
  throughput?: number;
  best?: boolean;
  hard_ifname: string;
  last_seen_msecs: number;
}
interface Neighbour {
  neigh_address: string;
  hard_ifname: string;
  last_seen_msecs: number;
}
interface Gateway {
  orig_address: string;
  best?: boolean;
  tq?: number;
  throughput?: number;
}

export interface NodeView {
  name: string;
  neighbours: string[];
  /** originator name → best route's TQ (BATMAN_IV) or throughput (BATMAN_V) and next hop. */
  originators: Record<string, { metric: number; via: string }>;
  gateway: string | null;
}

/** An originator or neighbour heard within 10 OGM intervals (+1 s): batman-adv's 200 s purge is far too slow to tell. */
export const heardRecently = (origIntervalMs: number) => (entry: { last_seen_msecs: number }) =>
  entry.last_seen_msecs <= 10 * origIntervalMs + 1000;

/**
 * What every running node knows. batman-adv keeps a silent originator or neighbour for
 * 200 s; a view lists only those heard within 10 OGM intervals (+1 s), so a node that
 * died drops out of the others' views within seconds.
 */
export async function observe(mesh: Pick<Mesh, 'topology' | 'nodes' | 'node'>): Promise<NodeView[]> {
  return Promise.all(runningNames(mesh).map((name) => observeNode(mesh, name)));
}

/** The names of the mesh's running nodes, in topology order. */
export const runningNames = (mesh: Pick<Mesh, 'topology' | 'nodes'>): string[] =>
  mesh.topology.nodes.map((n) => n.name).filter((name) => mesh.nodes.has(name));

/** What one node's batman-adv knows. */
export async function observeNode(mesh: Pick<Mesh, 'topology' | 'node'>, name: string): Promise<NodeView> {
  const names = mesh.topology.nodes.map((n) => n.name);
  const nameOf = (mac: string) => names[nodeOfMac(mac) - 1] ?? mac;
  const fresh = heardRecently(mesh.topology.origInterval);
  const node = mesh.node(name);
  const [neighbours, originators, gateways] = await Promise.all([
    batctlJson<Neighbour[]>(node, 'neighbors_json'),
    batctlJson<Originator[]>(node, 'originators_json'),
    batctlJson<Gateway[]>(node, 'gateways_json'),
  ]);
  const best = originators.filter((o) => o.best && fresh(o));
  return {
    name,
    neighbours: [...new Set(neighbours.filter(fresh).map((n) => nameOf(n.neigh_address)))].sort(),
    originators: Object.fromEntries(
      best.map((o) => [nameOf(o.orig_address), { metric: o.tq ?? o.throughput ?? 0, via: nameOf(o.neigh_address) }]),
    ),
    gateway: gateways.find((g) => g.best) ? nameOf(gateways.find((g) => g.best)!.orig_address) : null,
  };
}

/** Every node has a route to every other node. */
export function converged(views: NodeView[]): boolean {
  return views.every((v) => views.every((o) => o.name === v.name || v.originators[o.name]));
}

export function formatTable(views: NodeView[]): string {
  const rows = views.map((v) => {
    const gw = v.gateway ? `${v.gateway} (${v.originators[v.gateway]?.metric ?? '?'})` : '-';
    return [v.name, v.neighbours.join(',') || '-', String(Object.keys(v.originators).length), gw];
  });
  const header = ['node', 'neighbours', 'originators', 'gateway (TQ)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}
