// A scenario's mesh on mesh web's page: the simulated clock, links cut and nodes killed by the
// timeline, and routes as the timeline last observed them (record, converge). The page reads
// nothing from the nodes itself: a read would take simulated time and change the run, and the
// same seed must give the same log. Its clicks are refused: the timeline drives this mesh.
import type { MeshSnapshot, SnapshotLink, SnapshotNode, Topology, NodeView, WebSource } from '../mesh/index.ts';
import { propertiesOf } from '../mesh/netem.ts';
import { linkEnds, nodeBasics } from '../mesh/snapshot.ts';
import { SimError } from './errors.ts';

/** What the timeline has done and seen so far. */
export interface TimelineState {
  views: NodeView[];
  /** Links cut and not restored, as "a b" both ways round (the timeline's own set). */
  cut: Set<string>;
  down: Set<string>;
}

export function timelineSnapshot(
  name: string,
  topology: Topology,
  state: TimelineState,
  seconds: number,
): MeshSnapshot {
  const view = new Map(state.views.map((v) => [v.name, v]));
  const nodes = topology.nodes.map((n, i): SnapshotNode => {
    const v = view.get(n.name);
    const gateway = v?.gateway ?? null;
    return {
      ...nodeBasics(topology, i),
      running: !state.down.has(n.name),
      restarts: 0,
      originators: Object.entries(v?.originators ?? {}).map(([o, r]) => ({ name: o, metric: r.metric, via: r.via })),
      neighbours: v?.neighbours ?? [],
      gateway,
      gatewayNexthop: gateway ? (v?.originators[gateway]?.via ?? null) : null,
    };
  });
  /** What `from` measured of its neighbour `to` when last observed: its direct route's metric. */
  const seen = (from: string, to: string) => {
    const route = view.get(from)?.originators[to];
    return route && route.via === to ? route.metric : null;
  };
  const links = linkEnds(topology).map((l): SnapshotLink => ({
    ...l,
    metric: [seen(l.nodes[0], l.nodes[1]), seen(l.nodes[1], l.nodes[0])],
    cut: state.cut.has(l.nodes.join(' ')),
    properties: propertiesOf(topology.links[l.index]),
  }));
  return {
    name,
    timestamp: new Date().toISOString(),
    algorithm: topology.routingAlgo,
    origIntervalMs: topology.origInterval,
    simulatedSeconds: seconds,
    nodes,
    links,
  };
}

/** The page's source for a running scenario. */
export const timelineSource = (snapshot: () => MeshSnapshot): WebSource => ({
  snapshot: async () => snapshot(),
  request: async () => {
    throw new SimError(
      "this mesh runs a scenario: its timeline cuts, restores, kills and starts, not the page's clicks",
    );
  },
});
