// Placing a mesh on hosts: the partitioner (balanced, few cut links, deterministic, whatever
// the order of the links) and the schema's checks of hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Topology,
  cutLinkCount,
  grid,
  partition,
  partitionHost,
  placeOnHosts,
  randomGeometric,
  resolveHost,
  ring,
  statusAcross,
} from '../../lib/mesh/index.ts';

const issues = (input: unknown) => {
  const r = Topology.safeParse(input);
  return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
};

test('partition: balanced parts, the fewest cut links where they are known, every node once', () => {
  const cases: [string, ReturnType<typeof grid>, number, number][] = [
    // [what, topology, parts, best possible cut]
    ['a 2x5 grid in two', grid(2, 5), 2, 3],
    ['a 5x2 grid in two', grid(5, 2), 2, 3],
    ['a 10x10 grid in four', grid(10, 10), 4, 20],
    ['a ring of 12 in four', ring(12), 4, 4],
  ];
  for (const [what, topology, k, best] of cases) {
    const p = partition(topology, k);
    const sizes = p.parts.map((part) => part.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${what}: sizes ${sizes}`);
    assert.deepEqual(p.parts.flat().sort(), topology.nodes.map((n) => n.name).sort(), what);
    assert.equal(p.cutLinks, best, what);
  }
  // A random mesh: far fewer cut links than a split by node number would give.
  const rgg = Topology.parse(randomGeometric(200, { seed: 3 }));
  const p = partition(rgg, 4);
  const byNumber = cutLinkCount(rgg, (name) => Math.floor((Number(name.slice(1)) - 1) / 50));
  assert.ok(p.cutLinks < byNumber / 2, `cut ${p.cutLinks} vs ${byNumber} by number`);
});

test('partition: the same mesh gives the same parts, in any order of its links', () => {
  const t = randomGeometric(120, { seed: 5 });
  const shuffled = { ...t, links: [...t.links!].reverse().map((l) => [...(l as string[])].reverse()) };
  assert.deepEqual(partition(shuffled as typeof t, 3), partition(t, 3));
  assert.throws(() => partition(t, 0), /bad part count 0: expected 1 to 120/);
  assert.throws(() => partition(grid(1, 3), 4), /bad part count 4: expected 1 to 3/);
});

test('hosts: placed nodes check out; a bad host, a missing one or a shared medium across hosts is named', () => {
  const base = grid(2, 2);
  const hosts = [
    { name: 'a', address: '10.0.0.1' },
    { name: 'b', address: 'batu-1.batu.default.svc' },
  ];
  const placed = placeOnHosts(base, partition(base, 2), hosts);
  assert.equal(issues(placed), '');
  const t = Topology.parse(placed);
  assert.equal(
    cutLinkCount(t, (n) => t.nodes.find((x) => x.name === n)!.host),
    2,
  );
  assert.match(issues({ ...placed, nodes: [...placed.nodes.slice(1), { name: 'n1' }] }), /node n1 has no host/);
  assert.match(
    issues({ ...placed, nodes: [{ name: 'n1', host: 'c' }, ...placed.nodes.slice(1)] }),
    /nodes\.0\.host: node n1: there is no host c/,
  );
  assert.match(
    issues({ ...placed, hosts: [hosts[0], { name: 'a', address: '10.0.0.3' }] }),
    /host name a is used twice/,
  );
  assert.match(issues({ ...placed, hosts: [{ name: 'Bad_host', address: '10.0.0.1' }, hosts[1]] }), /hosts\.0\.name/);
  assert.match(
    issues({ ...placed, hosts: [{ name: 'a', address: 'no spaces' }, hosts[1]] }),
    /IPv4 address or a DNS name/,
  );
  assert.match(issues({ ...grid(25, 40), basePort: 64_000 }), /basePort 64000: its 1935 links' ports would pass 65535/);
  const shared = { ...placed, links: [...placed.links!, { nodes: ['n1', 'n2', 'n3', 'n4'] }] };
  assert.match(issues(shared), /a shared medium cannot span hosts/);
  assert.throws(() => placeOnHosts(base, partition(base, 2), hosts.slice(0, 1)), /2 parts need 2 hosts, not 1/);
});

test('host addresses: an IPv4 address as it is, a name resolved, an unknown name named; status across needs hosts', async () => {
  assert.equal(await resolveHost('10.1.2.3'), '10.1.2.3');
  assert.equal(await resolveHost('localhost'), '127.0.0.1');
  await assert.rejects(
    resolveHost('no-such-host.invalid'),
    /cannot resolve host address no-such-host\.invalid: (ENOTFOUND|EAI_AGAIN)/,
  );
  await assert.rejects(statusAcross(grid(1, 2)), /this topology has no hosts/);
  // A partition names a host of the topology (checked before anything is built).
  const placed = Topology.parse(
    placeOnHosts(grid(1, 2), partition(grid(1, 2), 2), [
      { name: 'a', address: '10.0.0.1' },
      { name: 'b', address: '10.0.0.2' },
    ]),
  );
  assert.equal(partitionHost(placed, 'b').address, '10.0.0.2');
  assert.throws(() => partitionHost(placed, 'c'), /partition "c": the topology's hosts are a, b/);
  assert.throws(() => partitionHost(Topology.parse(grid(1, 2)), 'a'), /partition "a": the topology has no hosts/);
});
