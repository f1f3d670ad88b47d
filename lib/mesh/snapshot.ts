// A running mesh at one moment, as every view of it needs it (mesh web's page, the exports,
// /metrics): each node by name with what its batman-adv knows, each link with its quality seen
// from both ends, its properties and whether it is cut. Read from every running node at once.
import { withDeadline } from '../deadline.ts';
import { readNodeState, type NodeState } from '../gateway/node-state.ts';
import type { Mesh } from './mesh.ts';
import { propertiesOf } from './netem.ts';
import { nodeMac, nodeOfMac } from './node-spec.ts';
import { heardRecently, runningNames } from './observe.ts';
import { nodeAnswerMs } from './status.ts';
import { linksOf, type LinkProperties, type Topology } from './topology.ts';

export interface SnapshotNode {
  name: string;
  /** bat0's MAC (what Freifunk's tools call the node's MAC). */
  mac: string;
  host?: string;
  gatewayMode: 'off' | 'client' | 'server';
  position?: { x: number; y: number };
  location?: { latitude: number; longitude: number };
  running: boolean;
  /** Why a running node gave no state (it hangs, or died outside batu). */
  error?: string;
  firstStarted?: string;
  lastStarted?: string;
  restarts: number;
  /** What its batman-adv knows; absent while it is down or not answering. */
  state?: NodeState;
  /** Fresh best routes by originator name: metric (TQ or throughput) and next hop. */
  originators: { name: string; metric: number; via: string }[];
  /** Neighbours heard recently, by name. */
  neighbours: string[];
  /** The gateway its batman-adv chose, and the next hop towards it. */
  gateway: string | null;
  gatewayNexthop: string | null;
}

export interface SnapshotLink {
  /** The link's index in the topology (a shared medium gives one entry per pair of its nodes). */
  index: number;
  nodes: [string, string];
  /** The two ends' MACs on this link. */
  macs: [string, string];
  /** What each end's batman-adv measures of the other over this link (TQ 0–255, or throughput), null when it hears nothing. */
  metric: [number | null, number | null];
  cut: boolean;
  properties: LinkProperties;
}

export interface MeshSnapshot {
  name: string;
  timestamp: string;
  algorithm: 'BATMAN_IV' | 'BATMAN_V';
  origIntervalMs: number;
  /** A mesh in simulated time: its clock, in seconds since the start. */
  simulatedSeconds?: number;
  nodes: SnapshotNode[];
  links: SnapshotLink[];
}

/** What the topology says of its i-th node: name, bat0's MAC, host, gateway mode, where it is. */
export function nodeBasics(topology: Topology, i: number) {
  const n = topology.nodes[i];
  return {
    name: n.name,
    mac: nodeMac(i + 1, 0),
    ...(n.host ? { host: n.host } : {}),
    gatewayMode: n.gateway,
    ...(n.x !== undefined && n.y !== undefined ? { position: { x: n.x, y: n.y } } : {}),
    ...(n.lat !== undefined && n.lon !== undefined ? { location: { latitude: n.lat, longitude: n.lon } } : {}),
  };
}

/** The ends of each link, pairwise, with each end's MAC on it (lib/mesh/node-spec.ts hardInterface). */
export function linkEnds(topology: Topology) {
  const number = new Map(topology.nodes.map((n, i) => [n.name, i + 1]));
  const macOn = (name: string, link: number) => nodeMac(number.get(name)!, 2, linksOf(topology, name).indexOf(link));
  return topology.links.flatMap((link, index) =>
    link.nodes.flatMap((a, i) =>
      link.nodes.slice(i + 1).map((b) => ({
        index,
        nodes: [a, b] as [string, string],
        macs: [macOn(a, index), macOn(b, index)] as [string, string],
      })),
    ),
  );
}

/**
 * Read every running node (each within nodeAnswerMs) and put the mesh together. routes: only
 * what routing needs (the live page's poll: a call or two per node, see readNodeState).
 */
export async function meshSnapshot(
  name: string,
  mesh: Pick<Mesh, 'topology' | 'nodes' | 'starts' | 'isCut'>,
  { routes = false, simulatedSeconds }: { routes?: boolean; simulatedSeconds?: number } = {},
): Promise<MeshSnapshot> {
  const running = runningNames(mesh);
  const answers = await Promise.allSettled(
    running.map((n) => {
      // Only a gateway client chooses a gateway: the others' lists are not worth a read when polling.
      const gateways = mesh.topology.nodes.find((x) => x.name === n)?.gateway === 'client';
      const read = readNodeState(mesh.nodes.get(n)!, { routes, gateways });
      return withDeadline(read, nodeAnswerMs, `no answer in ${nodeAnswerMs / 1000} s`);
    }),
  );
  const states = new Map<string, NodeState | Error>(
    running.map((n, i) => {
      const a = answers[i];
      return [n, a.status === 'fulfilled' ? a.value : new Error(String((a.reason as Error)?.message ?? a.reason))];
    }),
  );
  return assemble(name, mesh, states, simulatedSeconds !== undefined ? { simulatedSeconds } : {});
}

/** The snapshot from what each node answered (an Error where it did not): pure, for tests. */
export function assemble(
  name: string,
  mesh: Pick<Mesh, 'topology' | 'starts' | 'isCut'>,
  states: Map<string, NodeState | Error>,
  extra: { simulatedSeconds?: number; now?: Date } = {},
): MeshSnapshot {
  const { topology } = mesh;
  const names = topology.nodes.map((n) => n.name);
  const nameOf = (mac: string) => names[nodeOfMac(mac) - 1] ?? mac;
  const fresh = heardRecently(topology.origInterval);
  const nodes = topology.nodes.map((n, i): SnapshotNode => {
    const answer = states.get(n.name);
    const state = answer instanceof Error ? undefined : answer;
    const starts = mesh.starts.get(n.name);
    const metric = (o: { tq?: number; throughput?: number }) => o.tq ?? o.throughput ?? 0;
    // A neighbour's other interfaces are originators too (IV's secondary OGMs, one hop): by
    // node, the best of its routes.
    const bestOf = new Map<string, NodeState['originators'][number]>();
    for (const o of state?.originators ?? [])
      if (o.best && fresh({ last_seen_msecs: o.lastSeenMs }) && metric(o) >= metric(bestOf.get(nameOf(o.orig)) ?? {}))
        bestOf.set(nameOf(o.orig), o);
    const best = [...bestOf.values()];
    const chosen = state?.gateways.find((g) => g.best);
    const towardsChosen = chosen && best.find((o) => o.orig === chosen.orig);
    return {
      ...nodeBasics(topology, i),
      running: answer !== undefined,
      ...(answer instanceof Error ? { error: answer.message.split('\n')[0].slice(0, 200) } : {}),
      ...(starts ? { firstStarted: starts.first.toISOString(), lastStarted: starts.last.toISOString() } : {}),
      restarts: starts?.restarts ?? 0,
      ...(state ? { state } : {}),
      originators: best.map((o) => ({ name: nameOf(o.orig), metric: metric(o), via: nameOf(o.via) })),
      neighbours: [
        ...new Set(
          (state?.neighbours ?? []).filter((x) => fresh({ last_seen_msecs: x.lastSeenMs })).map((x) => nameOf(x.mac)),
        ),
      ].sort(),
      gateway: chosen ? nameOf(chosen.orig) : null,
      gatewayNexthop: towardsChosen ? nameOf(towardsChosen.via) : null,
    };
  });
  /** What `from` measures of its neighbour `to` over the link where `to` has MAC `toMac`. */
  const seen = (from: string, toMac: string): number | null => {
    const state = states.get(from);
    if (!state || state instanceof Error) return null;
    const entry = state.originators.find(
      (o) => o.via === toMac && nodeOfMac(o.orig) === nodeOfMac(toMac) && fresh({ last_seen_msecs: o.lastSeenMs }),
    );
    return entry ? (entry.tq ?? entry.throughput ?? null) : null;
  };
  const links = linkEnds(topology).map((l): SnapshotLink => ({
    ...l,
    metric: [seen(l.nodes[0], l.macs[1]), seen(l.nodes[1], l.macs[0])],
    cut: mesh.isCut(l.index),
    properties: propertiesOf(topology.links[l.index]),
  }));
  return {
    name,
    timestamp: (extra.now ?? new Date()).toISOString(),
    algorithm: topology.routingAlgo,
    origIntervalMs: topology.origInterval,
    ...(extra.simulatedSeconds !== undefined ? { simulatedSeconds: extra.simulatedSeconds } : {}),
    nodes,
    links,
  };
}
