// Topology specs, generators and link properties: pure data, no nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, grid, line, linkBetween, randomGeometric } from '../../lib/mesh/index.ts';
import { netemCommand } from '../../lib/mesh/netem.ts';
import { withOffload } from '../../lib/mesh/offload.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

test('offload: socketpair links where every link is point to point, a vector bat0 tap, links that fit whole segments', () => {
  const t = Topology.parse({ ...line(2), offload: true });
  assert.deepEqual([t.linkDriver, t.bat0Driver, t.linkMtu], ['socketpair', 'vector', 1560]);
  const shared = Topology.parse({ ...line(3), links: [{ nodes: ['n1', 'n2', 'n3'] }], offload: true });
  assert.equal(shared.linkDriver, 'vector', 'a shared medium needs tap links');
  const tuntap = Topology.parse({ ...line(2), offload: true, linkDriver: 'tuntap', bat0Driver: 'tuntap' });
  assert.deepEqual([tuntap.bat0Driver, tuntap.linkMtu], ['tuntap', undefined], 'the legacy driver caps at 1500');
  const plain = Topology.parse(line(2));
  assert.deepEqual([plain.offload, plain.bat0Driver, plain.linkMtu], [false, 'tuntap', undefined]);
});

test('a mesh takes offload where every kernel it boots offers it, and refuses it asked of one that does not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'batu-kernels-'));
  try {
    const [offering, plain] = [join(dir, 'offering'), join(dir, 'plain')];
    await mkdir(offering);
    await mkdir(plain);
    await writeFile(join(offering, 'features'), 'offload\n');
    assert.equal((await withOffload(line(2), [offering])).offload, true);
    assert.equal((await withOffload(line(2), [plain])).offload, false);
    assert.equal((await withOffload(line(2), [offering, plain])).offload, false, "one node's kernel lacks it");
    assert.equal((await withOffload({ ...line(2), batmanAdv: 'stock' }, [offering])).offload, false);
    assert.equal((await withOffload({ ...line(2), offload: false }, [offering])).offload, false);
    await assert.rejects(
      withOffload({ ...line(2), offload: true }, [plain]),
      /offload: kernel .*plain does not offer it/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
