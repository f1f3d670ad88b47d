// Where topologies come from on the command line: --topo specs and meshnet-lab's JSON format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topology, fromMeshnetLab, generateTopology, loadTopology } from '../../lib/mesh/index.ts';

const fixture = (name: string) => new URL(`../fixtures/topologies/${name}`, import.meta.url).pathname;
const pairs = (t: Topology) => t.links.map((l) => l.nodes.join('-'));

test('--topo specs make the shapes mn --topo makes; bad ones name the spec and the forms', () => {
  assert.deepEqual(pairs(Topology.parse(generateTopology('line,3').topology)), ['n1-n2', 'n2-n3']);
  assert.deepEqual(pairs(Topology.parse(generateTopology('ring,3').topology)), ['n1-n2', 'n2-n3', 'n3-n1']);
  const grid = Topology.parse(generateTopology('grid,3x2').topology);
  assert.equal(grid.nodes.length, 6);
  assert.equal(grid.links.length, 7); // 2 rows of 2 links, 3 columns of 1
  // A torus (mn's torus): the grid with its rows and columns wrapped, four links per node.
  const torus = Topology.parse(generateTopology('torus,4x3').topology);
  assert.equal(torus.links.length, 24);
  assert.ok(pairs(torus).includes('n4-n1') && pairs(torus).includes('n9-n1'), 'rows and columns wrap');
  for (const n of torus.nodes) assert.equal(torus.links.filter((l) => l.nodes.includes(n.name)).length, 4, n.name);
  const random = (spec: string) => pairs(Topology.parse(generateTopology(spec).topology));
  assert.deepEqual(random('random,12,7'), random('random,12,7'));
  assert.notDeepEqual(random('random,12,7'), random('random,12,8'));
  for (const bad of [
    'lime,3',
    'toString,3',
    'line',
    'line,0',
    'line,2.5',
    'grid,3',
    'ring,3,4',
    'line,1001',
    'grid,40x40',
    'torus,2x5',
  ]) {
    assert.throws(
      () => generateTopology(bad),
      (e: Error) => e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('meshnet-lab files load as they are: numeric ids become n1… with aliases, repeats and extra fields are dropped', async () => {
  const loaded = await loadTopology(fixture('meshnet-lab-grid.json'));
  const topology = Topology.parse(loaded.topology);
  assert.deepEqual(
    topology.nodes.map((n) => n.name),
    ['n1', 'n2', 'n3', 'n4'],
  );
  assert.deepEqual(pairs(topology), ['n1-n2', 'n2-n4', 'n1-n3', 'n3-n4']);
  assert.deepEqual(loaded.aliases, { 0: 'n1', 1: 'n2', 2: 'n3', 3: 'n4' });
  assert.match(loaded.notes.join('\n'), /1 duplicate links/);

  const readme = await loadTopology(fixture('meshnet-lab-readme.json'));
  assert.deepEqual(readme.aliases, {}, 'ids that are valid names stay');
  assert.deepEqual(pairs(Topology.parse(readme.topology)), ['a-b', 'b-c']);

  const numbers = fromMeshnetLab({
    links: [
      { source: 7, target: 7 },
      { source: 7, target: 9 },
    ],
  });
  assert.deepEqual(numbers.aliases, { 7: 'n1', 9: 'n2' });
  assert.match(numbers.notes.join('\n'), /1 links from a node to itself dropped/);
});

test('bad topology files say what is wrong with them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-topo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  await assert.rejects(loadTopology(join(dir, 'missing.json')), /cannot read topology .*missing\.json/);
  await assert.rejects(loadTopology(await write('broken.json', '{"links": [')), /cannot read topology .*broken\.json/);
  await assert.rejects(
    loadTopology(await write('half.json', '{"links": [{"source": "a"}]}')),
    /bad meshnet-lab topology .*half\.json: links\.0\.target/,
  );
  await assert.rejects(
    loadTopology(await write('edges.json', '{"vertices": [1, 2], "edges": [[1, 2]]}')),
    /unknown topology format in .*edges\.json: expected batu's/,
  );
  await assert.rejects(loadTopology(await write('array.json', '[]')), /unknown topology format/);
  // batu's own format passes through to the Topology schema, which names the bad link.
  const own = await loadTopology(
    await write('own.json', JSON.stringify({ nodes: [{ name: 'a' }], links: [['a', 'zz']] })),
  );
  assert.throws(() => Topology.parse(own.topology), /there is no node zz/);
});
