// Meshes of real UML nodes: multi-hop routing, gateways, link failure, alfred, vis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  Mesh,
  converged,
  line,
  nodeMac,
  nodeOfMac,
  observe,
  ring,
  type NodeView,
  type TopologyInput,
} from '../../lib/mesh/index.ts';
import { describeStatus, meshStatus, nodeAnswerMs } from '../../lib/mesh/status.ts';
import { alfredBridge, batctl } from '../../lib/runner/index.ts';
import { eventually, steadyPings, pings, guestPaths } from '../fixtures/guest-helpers.ts';

async function startMesh(t: { after(fn: () => Promise<void>): void }, topology: TopologyInput): Promise<Mesh> {
  const mesh = await Mesh.start(topology, await guestPaths());
  t.after(() => mesh.stop());
  return mesh;
}

async function convergedViews(mesh: Mesh, extra: (v: NodeView[]) => boolean = () => true): Promise<NodeView[]> {
  let views: NodeView[] = [];
  await eventually(
    'the mesh converges',
    async () => {
      views = await observe(mesh);
      return converged(views) && extra(views);
    },
    60_000,
  );
  return views;
}

test('a 3-hop line routes over the middle nodes, and a ping crosses it end to end', async (t) => {
  const mesh = await startMesh(t, { ...line(4), origInterval: 200 });
  const views = await convergedViews(mesh);
  const n1 = views.find((v) => v.name === 'n1')!;
  assert.deepEqual(n1.neighbours, ['n2']);
  assert.deepEqual(
    Object.entries(n1.originators)
      .map(([o, r]) => [o, r.via])
      .sort(),
    [
      ['n2', 'n2'],
      ['n3', 'n2'],
      ['n4', 'n2'],
    ],
  );
  const a = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n4', '10.99.0.4/24');
  // The clients' MACs first have to reach every node's translation table (with the OGMs).
  await eventually("n1's client reaches n4's, steadily", () => steadyPings(a, '10.99.0.4'));
  const ping = await a.exec('ping', ['-c', '5', '-i', '0.2', '-W', '5', '10.99.0.4'], { reject: false });
  assert.match(ping.stdout, / 0% packet loss/, ping.stdout);
});

test('gateway clients choose a server, and switch to the other one when its link is cut', async (t) => {
  const mesh = await startMesh(t, {
    nodes: [
      { name: 'g1', gateway: 'server' },
      { name: 'c1', gateway: 'client' },
      { name: 'c2', gateway: 'client' },
      { name: 'g2', gateway: 'server' },
    ],
    links: [
      ['g1', 'c1'],
      ['c1', 'c2'],
      ['c2', 'g2'],
    ],
    origInterval: 200,
  });
  const views = await convergedViews(mesh, (v) => v.filter((n) => n.name.startsWith('c')).every((n) => n.gateway));
  const c1 = views.find((v) => v.name === 'c1')!;
  assert.ok(['g1', 'g2'].includes(c1.gateway!), `c1 chose ${c1.gateway}`);
  const chosen = c1.gateway!;
  const other = chosen === 'g1' ? 'g2' : 'g1';
  await mesh.cut(chosen, chosen === 'g1' ? 'c1' : 'c2');
  await eventually(
    `c1 switches from ${chosen} to ${other}`,
    async () => (await observe(mesh)).find((v) => v.name === 'c1')!.gateway === other,
    60_000,
  );
});

test('in a ring, traffic reroutes when the link it uses is cut, and nothing is lost once converged', async (t) => {
  const mesh = await startMesh(t, { ...ring(4), origInterval: 200 });
  const views = await convergedViews(mesh);
  const via = views.find((v) => v.name === 'n1')!.originators.n3.via;
  const client = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n3', '10.99.0.3/24');
  await eventually('n1 reaches n3', () => pings(client, '10.99.0.3'));

  // A continuous ping (every 50 ms) while the link n1 uses is cut.
  const pinger = client.spawn('ping', ['-i', '0.05', '-D', '-O', '-W', '1', '10.99.0.3']);
  await new Promise((r) => setTimeout(r, 1000));
  const cutAt = Date.now() / 1000;
  await mesh.cut('n1', via);
  await new Promise((r) => setTimeout(r, 8000));
  pinger.kill('SIGINT');
  const out = String((await pinger).stdout);
  const replies = [...out.matchAll(/^\[(\d+\.\d+)\].*icmp_seq=(\d+) ttl/gm)].map((m) => ({
    at: Number(m[1]),
    seq: Number(m[2]),
  }));
  assert.ok(replies.filter((r) => r.at < cutAt).length > 10, out.slice(-500));
  // The outage is the largest run of missing replies after the cut (none: the route had
  // already moved off the cut link, or moved without a loss); after it, no sequence gaps.
  let gapEnd = replies.findIndex((r) => r.at >= cutAt);
  assert.ok(gapEnd > 0, `no reply after the cut:\n${out.slice(-500)}`);
  const missing = (k: number) => replies[k].seq - replies[k - 1].seq - 1;
  for (let k = gapEnd + 1; k < replies.length; k++) if (missing(k) > missing(gapEnd)) gapEnd = k;
  const rerouted = replies.slice(gapEnd);
  assert.ok(rerouted.length > 20, `too few replies after the reroute:\n${out.slice(-500)}`);
  const lost = rerouted[rerouted.length - 1].seq - rerouted[0].seq + 1 - rerouted.length;
  console.log(
    `ring reroute: cut n1-${via}; outage ${(rerouted[0].at - replies[gapEnd - 1].at).toFixed(2)} s; ${lost} lost after it`,
  );
  assert.equal(lost, 0, 'no loss once rerouted');
  assert.notEqual((await observe(mesh)).find((v) => v.name === 'n1')!.originators.n3.via, via);
});

test('alfred: a record set at one end of a line is readable at the other end, via the master', async (t) => {
  const mesh = await startMesh(t, {
    ...line(3),
    nodes: [
      { name: 'n1', alfred: 'slave' },
      { name: 'n2', alfred: 'master' },
      { name: 'n3', alfred: 'slave' },
    ],
    origInterval: 200,
  });
  await convergedViews(mesh);
  const dir = await mkdtemp(join(tmpdir(), 'bt-alfred-'));
  const bridges = await Promise.all(['n1', 'n2', 'n3'].map((n) => alfredBridge(mesh.node(n), join(dir, `${n}.sock`))));
  const read = async (k: number) => (await execa('alfred', ['-r', '160', '-u', bridges[k].socket])).stdout;
  const record = '"02:ba:00:01:00:00", "from one end"';
  try {
    await execa('alfred', ['-s', '160', '-u', bridges[0].socket], { input: 'from one end' });
    // alfred slaves push to their master and pull from it every 10 s (ALFRED_INTERVAL): ~10–20 s
    // here. In about one full suite run in three it took over 60 s (cause not found): 120 s
    // allowed, and a miss says which leg (n1 → master, master → n3) it failed on.
    const took = await eventually("n1's record at n3", async () => (await read(2)).includes(record), 120_000).catch(
      async (error: Error) => {
        throw new Error(
          `${error.message}; the master ${(await read(1)).includes(record) ? 'has' : 'does not have'} it`,
        );
      },
    );
    console.log(`alfred: n1's record readable at n3 after ${(took / 1000).toFixed(1)} s`);
  } finally {
    await Promise.all(bridges.map((b) => b.close()));
    await rm(dir, { recursive: true, force: true });
  }
});

test('batadv-vis returns a graph with exactly the emulated links', async (t) => {
  // alfred slaves hand their vis data to a master: n1 is it.
  const nodes = ring(4).nodes!.map((n) => ({
    ...n,
    alfred: n.name === 'n1' ? ('master' as const) : ('slave' as const),
  }));
  const topology = {
    ...ring(4),
    nodes,
    links: [...ring(4).links!, ['n1', 'n3'] as [string, string]],
    origInterval: 200,
  };
  const mesh = await startMesh(t, topology);
  await convergedViews(mesh);
  const dir = await mkdtemp(join(tmpdir(), 'bt-vis-'));
  const bridge = await alfredBridge(mesh.node('n1'), join(dir, 'n1.sock'));
  try {
    const expected = mesh.topology.links.map((l) => [...l.nodes].sort().join('-')).sort();
    let edges: string[] = [];
    await eventually(
      'vis shows every link',
      async () => {
        const { stdout } = await execa('batadv-vis', ['-u', bridge.socket, '-f', 'json']);
        const links = stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { router?: string; neighbor?: string; label?: string })
          .filter((e) => e.router && e.neighbor && e.label !== 'TT');
        edges = [
          ...new Set(
            links.map((e) =>
              [nodeOfMac(e.router!), nodeOfMac(e.neighbor!)]
                .sort()
                .map((k) => `n${k}`)
                .join('-'),
            ),
          ),
        ].sort();
        return edges.length >= expected.length;
      },
      60_000,
    );
    assert.deepEqual(edges, expected);
  } finally {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * batman-adv's own layer-2 ping from one node to another's originator address (its first hard
 * interface; bat0's MAC would first need the translation table, which can lag the routes):
 * average RTT in ms, or null when nothing came back.
 */
async function meshPing(mesh: Mesh, from: string, to: string, count = 3): Promise<number | null> {
  const out = await batctl(mesh.node(from), [
    'ping',
    '-c',
    String(count),
    '-i',
    '0.2',
    nodeMac(mesh.numberOf(to), 2, 0),
  ]);
  const m = /rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//.exec(out);
  return m && !/ 100% packet loss/.test(out) ? Number(m[1]) : null;
}

test('link properties: delay and rate from the spec act on the traffic, and change while the mesh runs', async (t) => {
  const mesh = await startMesh(t, { ...line(2), links: [{ nodes: ['n1', 'n2'], delayMs: 20 }], origInterval: 200 });
  await convergedViews(mesh);
  const delayed = await meshPing(mesh, 'n1', 'n2');
  assert.ok(delayed !== null && delayed >= 40 && delayed < 80, `20 ms each way: RTT ${delayed} ms`);

  await mesh.setLink('n1', 'n2', { rateMbit: 10 });
  const fast = await meshPing(mesh, 'n1', 'n2');
  assert.ok(fast !== null && fast < 10, `delay removed: RTT ${fast} ms`);
  // batman-adv's throughput meter, between the two originators (their first hard interfaces).
  const tp = await batctl(mesh.node('n1'), ['tp', '-t', '3000', nodeMac(2, 2, 0)]);
  const mbit = Number(/\(([\d.]+) Mbps\)/.exec(tp)?.[1]);
  console.log(
    `netem rate 10 Mbit/s: batctl tp measured ${mbit} Mbit/s; RTT ${delayed} ms at 20 ms delay, ${fast} ms without`,
  );
  assert.ok(mbit > 4 && mbit <= 11, `rate 10 Mbit/s, measured: ${tp}`);
});

test('node kill and restart: the mesh forgets the node and learns it again', async (t) => {
  const mesh = await startMesh(t, { ...line(3), origInterval: 200 });
  await convergedViews(mesh);
  await mesh.kill('n3');
  const forgotten = await eventually(
    'n1 forgets n3',
    async () => !(await observe(mesh)).find((v) => v.name === 'n1')!.originators.n3,
    30_000,
  );
  await mesh.startNode('n3');
  const started = Date.now();
  await convergedViews(mesh);
  await eventually('n1 pings n3 again', async () => (await meshPing(mesh, 'n1', 'n3', 1)) !== null, 60_000);
  console.log(
    `kill/restart: n3 left n1's view ${(forgotten / 1000).toFixed(1)} s after the kill; back and reachable ${((Date.now() - started) / 1000).toFixed(1)} s after its restart`,
  );
});

test('a node added to a running mesh gets its link hot-plugged into its neighbour and joins the mesh', async (t) => {
  const mesh = await startMesh(t, { ...line(2), linkDriver: 'vector', origInterval: 200 });
  await convergedViews(mesh);
  await mesh.addNode({ name: 'n3' }, ['n2']);
  const views = await convergedViews(mesh, (v) => v.length === 3);
  assert.deepEqual(views.find((v) => v.name === 'n2')!.neighbours, ['n1', 'n3']);
  assert.equal(views.find((v) => v.name === 'n1')!.originators.n3.via, 'n2');
});

test("a shared medium: three nodes on one link are each other's direct neighbours", async (t) => {
  const mesh = await startMesh(t, { ...line(3), links: [{ nodes: ['n1', 'n2', 'n3'] }], origInterval: 200 });
  const views = await convergedViews(mesh, (v) => v.every((n) => n.neighbours.length === 2));
  assert.deepEqual(
    views.map((v) => [v.name, v.neighbours]),
    [
      ['n1', ['n2', 'n3']],
      ['n2', ['n1', 'n3']],
      ['n3', ['n1', 'n2']],
    ],
  );
  assert.ok(
    views.every((v) => Object.entries(v.originators).every(([to, route]) => route.via === to)),
    'every route is direct',
  );
});

test('socketpair links on the bridge backend: clients reach each other over a 3-node line; no host bridge per link; addNode is refused', async (t) => {
  const mesh = await startMesh(t, { ...line(3), linkDriver: 'socketpair', origInterval: 200 });
  const views = await convergedViews(mesh);
  assert.equal(views.find((v) => v.name === 'n1')!.originators.n3.via, 'n2');
  const bridges = (await mesh.netns!.exec('ip', ['-o', 'link', 'show', 'type', 'bridge'])).stdout;
  assert.deepEqual(
    [...bridges.matchAll(/^\d+: (\S+?)[:@]/gm)].map((m) => m[1]),
    ['btmgmt'],
    'only the management bridge',
  );
  const a = await mesh.client('n1', '10.99.0.1/24');
  await mesh.client('n3', '10.99.0.3/24');
  await eventually("n1's client reaches n3's, steadily", () => steadyPings(a, '10.99.0.3'));
  await assert.rejects(mesh.addNode({ name: 'n4' }, ['n3']), /needs tap links on the bridge backend/);
});

test('mesh status shows a node that died or hangs outside batu as down, and the rest as they are', async (t) => {
  const mesh = await startMesh(t, { ...line(3), origInterval: 200 });
  await convergedViews(mesh);
  const hung = mesh.node('n3').pid!;
  process.kill(-hung, 'SIGSTOP'); // no answer at all, as a node wedged outside batu
  t.after(() => {
    try {
      process.kill(-hung, 'SIGCONT'); // if the test failed before it did; the group may be gone already
    } catch {}
  });
  process.kill(-mesh.node('n2').pid!, 'SIGKILL');
  const started = Date.now();
  const status = await meshStatus('bt-status', mesh);
  process.kill(-hung, 'SIGCONT');
  assert.ok(Date.now() - started < nodeAnswerMs + 5_000, 'one slow node costs at most its deadline');
  assert.deepEqual(
    status.views.map((v) => v.name),
    ['n1'],
  );
  assert.deepEqual([...status.down].sort(), ['n2', 'n3']);
  // A wedged node gives no answer (the deadline), or no ARP answer first (host unreachable): down either way.
  assert.match(describeStatus(status), /n3: (no answer in 10 s|Command failed)/);
});
