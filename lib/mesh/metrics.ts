// A running mesh's Prometheus metrics (mesh web's /metrics): every node's state as the
// gateway reports its own (lib/gateway/state-metrics.ts, labelled by node name), and per link
// what each end measures of the other and whether it is cut.
import { Gauge, Registry } from 'prom-client';
import { registerStateMetrics } from '../gateway/state-metrics.ts';
import type { MeshSnapshot } from './snapshot.ts';

export async function meshMetricsText(snapshot: MeshSnapshot): Promise<string> {
  const registry = new Registry();
  registerStateMetrics(
    registry,
    'batu_mesh',
    'node',
    snapshot.nodes.map((n) => ({ key: n.name, state: n.state, restarts: n.restarts, chosenGateway: n.gateway })),
  );
  const labelNames = ['node', 'neighbour'];
  const linkMetric = new Gauge({
    name: 'batu_mesh_link_metric',
    help: "what a link's end measures of the other end: TQ (BATMAN_IV) or throughput in kbit/s (BATMAN_V)",
    labelNames,
    registers: [registry],
  });
  const linkCut = new Gauge({
    name: 'batu_mesh_link_cut',
    help: '1 while the link is cut',
    labelNames,
    registers: [registry],
  });
  for (const l of snapshot.links) {
    const [a, b] = l.nodes;
    linkCut.set({ node: a, neighbour: b }, l.cut ? 1 : 0);
    if (l.metric[0] !== null) linkMetric.set({ node: a, neighbour: b }, l.metric[0]);
    if (l.metric[1] !== null) linkMetric.set({ node: b, neighbour: a }, l.metric[1]);
  }
  return registry.metrics();
}
