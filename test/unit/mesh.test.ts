// Topology specs, generators and link properties: pure data, no nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, grid, line, linkBetween, randomGeometric } from '../../lib/mesh/index.ts';
import { netemCommand } from '../../lib/mesh/netem.ts';

test('randomGeometric is deterministic per seed, connected, and sparse', () => {
  const a = Topology.parse(randomGeometric(60, { seed: 7 }));
  assert.deepEqual(Topology.parse(randomGeometric(60, { seed: 7 })), a);
  assert.notDeepEqual(Topology.parse(randomGeometric(60, { seed: 8 })).links, a.links);
  const reached = new Set(['n1']);
  for (let grew = true; grew;) {
    grew = false;
    for (const {
      nodes: [x, y],
    } of a.links)
      if (reached.has(x) !== reached.has(y)) {
        reached.add(x);
        reached.add(y);
        grew = true;
      }
  }
  assert.equal(reached.size, 60, 'every node is reachable');
  const degree = (2 * a.links.length) / 60;
  assert.ok(degree > 2 && degree < 12, `average degree ${degree}`);
});

test('links: pairs, shared media and properties parse into one shape; bad ones name the link', () => {
  const t = Topology.parse({
    ...grid(1, 3),
    links: [['n1', 'n2'], { nodes: ['n1', 'n2', 'n3'], lossPercent: 5, delayMs: 10, jitterMs: 2 }],
  });
  assert.deepEqual(t.links, [
    { nodes: ['n1', 'n2'] },
    { nodes: ['n1', 'n2', 'n3'], lossPercent: 5, delayMs: 10, jitterMs: 2 },
  ]);
  const bad: [unknown, RegExp][] = [
    [[{ nodes: ['n1', 'n2'], jitterMs: 3 }], /links\.0: link n1-n2: jitterMs needs delayMs/],
    [[{ nodes: ['n1', 'n1', 'n2'] }], /link n1-n1-n2: names a node twice/],
    [
      [
        ['n1', 'n2'],
        ['n2', 'n1'],
      ],
      /links\.1: link n2-n1: is given twice/,
    ],
    [[['n1', 'n9']], /link n1-n9: there is no node n9/],
    [[{ nodes: ['n1', 'n2'], lossPercent: 101 }], /lossPercent/],
  ];
  for (const [links, message] of bad) {
    const r = Topology.safeParse({ ...grid(1, 3), links });
    assert.equal(r.success, false, JSON.stringify(links));
    assert.match(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'), message);
  }
  const shared = Topology.safeParse({
    ...grid(1, 3),
    linkDriver: 'socketpair',
    links: [{ nodes: ['n1', 'n2', 'n3'] }],
  });
  assert.match(shared.error!.issues[0].message, /link n1-n2-n3: a shared medium needs tap links/);
});

test('netem arguments follow the link properties; none removes the qdisc', () => {
  assert.deepEqual(netemCommand('vec2', { delayMs: 20, jitterMs: 5, lossPercent: 1.5, rateMbit: 10 }), [
    'qdisc',
    'replace',
    'dev',
    'vec2',
    'root',
    'netem',
    'delay',
    '20ms',
    '5ms',
    'loss',
    '1.5%',
    'rate',
    '10mbit',
  ]);
  assert.deepEqual(netemCommand('eth3', { lossPercent: 100 }), [
    'qdisc',
    'replace',
    'dev',
    'eth3',
    'root',
    'netem',
    'loss',
    '100%',
  ]);
  assert.deepEqual(netemCommand('vec2', {}), ['qdisc', 'del', 'dev', 'vec2', 'root']);
});

test('offload needs socketpair links and a vector bat0 tap, and says so', () => {
  assert.throws(
    () => Topology.parse({ ...line(2), offload: true, linkDriver: 'vector' }),
    /linkDriver 'vector' with offload/,
  );
  assert.throws(
    () => Topology.parse({ ...line(2), offload: true, bat0Driver: 'tuntap' }),
    /bat0Driver 'tuntap' with offload/,
  );
  const t = Topology.parse({ ...line(2), offload: true });
  assert.deepEqual([t.linkDriver, t.bat0Driver, t.linkMtu], ['socketpair', 'vector', 1560]);
  assert.deepEqual([Topology.parse(line(2)).linkDriver, Topology.parse(line(2)).linkMtu], ['vector', undefined]);
});

test("batmanAdv: batu's by default, 'stock' on request, refused with offload (GSO is batu's patch), anything else named", () => {
  assert.equal(Topology.parse(line(2)).batmanAdv, 'batu');
  assert.equal(Topology.parse({ ...line(2), batmanAdv: 'stock' }).batmanAdv, 'stock');
  assert.throws(
    () => Topology.parse({ ...line(2), batmanAdv: 'stock', offload: true }),
    /'stock' with offload: GSO through batman-adv is batu's patch/,
  );
  assert.throws(() => Topology.parse({ ...line(2), batmanAdv: 'upstream' }), /batu.*stock|stock.*batu/);
});

test('a link is named by both its ends: n1-n1 is refused, not taken for n1-n2; the order does not matter', () => {
  const topology = Topology.parse(line(3));
  assert.throws(() => linkBetween(topology, 'n1', 'n1'), /names one node twice/);
  assert.equal(linkBetween(topology, 'n2', 'n1'), 0);
  assert.equal(linkBetween(topology, 'n2', 'n3'), 1);
  assert.throws(() => linkBetween(topology, 'n1', 'n3'), /no link n1-n3/);
});
