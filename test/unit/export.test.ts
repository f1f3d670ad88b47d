// A mesh snapshot and what is made of it: link quality per direction from each end's
// originator table, meshviewer.json, NetJSON, dot and /metrics; positions in topologies and
// in meshviewer dumps imported as topologies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import {
  Topology,
  assemble,
  fromMeshnetLab,
  line,
  meshMetricsText,
  type NodeView,
  nodeMac,
  parseListen,
  toDot,
  toMeshviewer,
  toNetJson,
} from '../../lib/mesh/index.ts';
import type { NodeState } from '../../lib/gateway/node-state.ts';
import { timelineSnapshot } from '../../lib/sim/web.ts';
import { checkMeshviewer, checkNetJson, parseMetrics } from '../fixtures/export-checks.ts';

/** n1 - n2 - n3 (n1 a gateway server at a place); each node's originator table as batctl gives it. */
function lineMesh(cut: number[] = []) {
  const topology = Topology.parse({
    ...line(3),
    nodes: [
      { name: 'n1', gateway: 'server', lat: 52.37, lon: 9.73 },
      { name: 'n2', gateway: 'client' },
      { name: 'n3' },
    ],
  });
  const hard = (k: number, j: number) => nodeMac(k, 2, j);
  const state = (
    originators: [orig: string, via: string, tq: number][],
    extra: Partial<NodeState> = {},
  ): NodeState => ({
    meshMac: '',
    version: '',
    algo: 'BATMAN_IV',
    hardIfs: [],
    originators: originators.map(([orig, via, tq]) => ({ orig, via, ifname: 'vec2', tq, best: true, lastSeenMs: 100 })),
    neighbours: [],
    gateways: [],
    localClients: [],
    traffic: {},
    ...extra,
  });
  // n2's interface on link 0 is hard(2,0), on link 1 hard(2,1); n1's only is hard(1,0), n3's hard(3,0).
  const states = new Map<string, NodeState | Error>([
    [
      'n1',
      state([
        [hard(2, 0), hard(2, 0), 240],
        [hard(3, 0), hard(2, 0), 200],
      ]),
    ],
    [
      'n2',
      state(
        [
          [hard(1, 0), hard(1, 0), 250],
          [hard(3, 0), hard(3, 0), 230],
        ],
        { gateways: [{ orig: hard(1, 0), best: true, tq: 250 }], localClients: ['aa:bb:cc:dd:ee:01'] },
      ),
    ],
    ['n3', new Error('no answer in 10 s')],
  ]);
  const now = new Date('2026-12-06T04:00:00Z');
  const starts = new Map(['n1', 'n2', 'n3'].map((n) => [n, { first: now, last: now, restarts: n === 'n2' ? 1 : 0 }]));
  return assemble('lab', { topology, starts, isCut: (i: number) => cut.includes(i) }, states, { now });
}

test('a snapshot measures each link from both ends, names routes and the chosen gateway by node', () => {
  const s = lineMesh();
  assert.deepEqual(
    s.links.map((l) => [l.nodes.join('-'), l.metric]),
    [
      ['n1-n2', [240, 250]],
      ['n2-n3', [230, null]], // n3 does not answer
    ],
  );
  const n2 = s.nodes.find((n) => n.name === 'n2')!;
  assert.deepEqual(n2.originators.map((o) => [o.name, o.metric, o.via]).sort(), [
    ['n1', 250, 'n1'],
    ['n3', 230, 'n3'],
  ]);
  assert.deepEqual([n2.gateway, n2.gatewayNexthop, n2.restarts], ['n1', 'n1', 1]);
  assert.equal(s.nodes.find((n) => n.name === 'n3')!.error, 'no answer in 10 s');
  assert.deepEqual(s.nodes[0].location, { latitude: 52.37, longitude: 9.73 });
});

test('meshviewer.json: 12-character ids, TQ scaled to 0..1 per end, gateways by id; a cut link is left out', () => {
  const mv = checkMeshviewer(toMeshviewer(lineMesh()));
  assert.deepEqual(
    mv.nodes.map((n) => n.node_id),
    ['02ba00010000', '02ba00020000', '02ba00030000'],
  );
  const [n1, n2, n3] = mv.nodes;
  assert.deepEqual([n1.is_gateway, n1.location], [true, { latitude: 52.37, longitude: 9.73 }]);
  assert.deepEqual([n2.gateway, n2.gateway_nexthop, n2.clients], ['02ba00010000', '02ba00010000', 1]);
  assert.equal(n3.is_online, false);
  assert.deepEqual(
    mv.links.map((l) => [l.source, l.target, l.source_tq, l.target_tq]),
    [
      ['02ba00010000', '02ba00020000', 0.941, 0.98],
      ['02ba00020000', '02ba00030000', 0.902, 0],
    ],
  );
  assert.equal(checkMeshviewer(toMeshviewer(lineMesh([0]))).links.length, 1, 'the cut link n1-n2 is gone');
});

test('NetJSON: a NetworkGraph by its schema, one link per direction heard, cost 255/TQ', () => {
  const graph = checkNetJson(toNetJson(lineMesh()));
  assert.deepEqual(
    graph.links.map((l) => `${l.source}>${l.target}:${l.cost}`),
    ['n1>n2:1.063', 'n2>n1:1.02', 'n2>n3:1.109'],
  );
  assert.throws(() => checkNetJson({ ...graph, links: [{ source: 'n1', target: 'n2' }] }), /cost/);
});

test('dot names nodes with their MAC under them and dashes a cut link; Graphviz draws it', async () => {
  const dot = toDot(lineMesh([1]));
  const { stdout: svg } = await execa('dot', ['-Tsvg'], { input: dot });
  for (const name of ['n1', 'n2', 'n3', '02:ba:00:03:00:00']) assert.ok(svg.includes(`>${name}</text>`), name);
  assert.match(dot, /"n1" \[label="n1\\n02:ba:00:01:00:00", peripheries=2\]/);
  assert.match(dot, /"n2" -- "n3" \[label="230 \/ -", style=dashed, color=red\]/);
});

test("/metrics: each node's state labelled by name, each link's metric per end, cuts", async () => {
  const metrics = parseMetrics(await meshMetricsText(lineMesh([1])));
  const of = (name: string, labels: Record<string, string>) =>
    metrics.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  assert.equal(of('batu_mesh_node_up', { node: 'n3' }), 0);
  assert.equal(of('batu_mesh_originators', { node: 'n2' }), 2);
  assert.equal(of('batu_mesh_gateway_chosen', { node: 'n2', gateway: 'n1' }), 1);
  assert.equal(of('batu_mesh_node_restarts_total', { node: 'n2' }), 1);
  assert.equal(of('batu_mesh_link_metric', { node: 'n2', neighbour: 'n1' }), 250);
  assert.equal(of('batu_mesh_link_cut', { node: 'n2', neighbour: 'n3' }), 1);
});

test('positions: a topology takes x/y or lat/lon in pairs; a meshviewer dump keeps its locations', () => {
  assert.throws(() => Topology.parse({ nodes: [{ name: 'a', x: 1 }] }), /a position needs both x and y/);
  assert.throws(() => Topology.parse({ nodes: [{ name: 'a', lat: 91, lon: 0 }] }), /lat/);
  const dump = {
    timestamp: '2026-12-06T00:00:00Z',
    nodes: [
      { node_id: 'c04a00dd692a', hostname: 'ffh-a', location: { latitude: 52.1, longitude: 9.5 } },
      { node_id: 'c04a00dd692b', hostname: 'ffh-b' },
    ],
    links: [{ source: 'c04a00dd692a', target: 'c04a00dd692b', source_tq: 1, target_tq: 0.9 }],
  };
  const { topology, aliases } = fromMeshnetLab(dump);
  assert.deepEqual(
    Topology.parse(topology).nodes.map((n) => [n.name, n.lat, n.lon]),
    [
      ['n1', 52.1, 9.5],
      ['n2', undefined, undefined],
    ],
  );
  assert.equal(aliases.c04a00dd692a, 'n1');
});

test('--listen takes HOST:PORT and names what it cannot read', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  for (const bad of ['8080', 'localhost:', 'a b:1', '127.0.0.1:70000'])
    assert.throws(() => parseListen(bad), new RegExp(`--listen "${bad}"`));
});

test("a scenario's page: links and nodes as the timeline left them, metrics from its last observation, its clock", () => {
  const topology = Topology.parse(line(3));
  const views: NodeView[] = [
    {
      name: 'n1',
      neighbours: ['n2'],
      originators: { n2: { metric: 250, via: 'n2' }, n3: { metric: 200, via: 'n2' } },
      gateway: null,
    },
    { name: 'n2', neighbours: ['n1'], originators: { n1: { metric: 240, via: 'n1' } }, gateway: null },
  ];
  const s = timelineSnapshot('sim', topology, { views, cut: new Set(['n2 n3', 'n3 n2']), down: new Set(['n3']) }, 42.5);
  assert.equal(s.simulatedSeconds, 42.5);
  assert.deepEqual(
    s.links.map((l) => [l.nodes.join('-'), l.metric, l.cut]),
    [
      ['n1-n2', [250, 240], false],
      ['n2-n3', [null, null], true],
    ],
  );
  assert.deepEqual(
    s.nodes.map((n) => [n.name, n.running, n.originators.length]),
    [
      ['n1', true, 2],
      ['n2', true, 1],
      ['n3', false, 0],
    ],
  );
  checkNetJson(toNetJson(s));
});
