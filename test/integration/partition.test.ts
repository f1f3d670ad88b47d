// A mesh larger than one host, on two: two namespaces joined by a veth pair play the hosts.
// `batu mesh partition` places a 10-node grid on them, `batu mesh up --partition` starts
// each half rootless in its own namespace, the halves meet over L2TPv3/UDP links, and
// `batu mesh status --across` reads both. Then a link between hosts is cut, one host dies
// (kill -9 of everything in it) and comes back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Topology, type AcrossStatus } from '../../lib/mesh/index.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { killAllIn, leftovers, removeLeftovers, routesOf, statusUntil, twoHosts } from '../fixtures/host-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

let before_: Awaited<ReturnType<typeof leftovers>>;
before(async () => {
  await guestPaths(); // the kernel and image in the suite's store (a kernel build when it is empty)
  before_ = await leftovers();
});

test(
  'a 10-node grid on two hosts: routes across L2TPv3/UDP links, a cut link rerouted, a dead host left out, its return rejoined',
  { timeout: 900_000 },
  async (t) => {
    const { hosts, address: hostAddress } = await twoHosts('10.99.1', 'btv');
    const names = { a: `btpa-${process.pid}`, b: `btpb-${process.pid}` };
    t.after(async () => {
      for (const host of ['a', 'b'] as const) {
        await batuIn(hosts[host].name, ['mesh', 'down', '-n', names[host]]);
        await killAllIn(hosts[host]); // what a failed step may have left running
        await hosts[host].delete();
      }
    });
    const dir = await tempDir(t);
    const file = join(dir, 'grid.json');
    const placed = await batuCli(
      'mesh',
      'partition',
      '--topo',
      'grid,5x2',
      '--parts',
      '2',
      '--hosts',
      `a=${hostAddress.a},b=${hostAddress.b}`,
    );
    assert.equal(placed.exitCode, 0, placed.stderr);
    const cut = Number(/(\d+) cut links/.exec(placed.stderr)?.[1]);
    assert.ok(cut >= 3, `cut links: ${placed.stderr}`);
    await writeFile(file, placed.stdout);
    const topology = Topology.parse(JSON.parse(placed.stdout));
    const hostOf = (name: string) => topology.nodes.find((n) => n.name === name)!.host as 'a' | 'b';
    const nodesOf = (host: string) =>
      topology.nodes
        .filter((n) => n.host === host)
        .map((n) => n.name)
        .sort();
    const crossing = topology.links.filter((l) => hostOf(l.nodes[0]) !== hostOf(l.nodes[1]));
    assert.equal(crossing.length, cut, 'the printed count is the topology’s');
    assert.deepEqual([nodesOf('a').length, nodesOf('b').length], [5, 5], 'balanced: five nodes on each host');

    const up = (host: 'a' | 'b') =>
      batuIn(hosts[host].name, ['mesh', 'up', file, '--partition', host, '--name', names[host], '--detach']);

    // Host a alone: its own nodes mesh; b's are down, and the links to them wait.
    const first = await up('a');
    assert.equal(first.exitCode, 0, `mesh up --partition a:\n${first.stderr}${first.stdout}`);
    let status = await statusUntil(hosts.a, file, (s) => s.converged);
    assert.deepEqual(status.down, nodesOf('b'));
    assert.match(status.hosts.find((h) => h.name === 'b')!.error ?? '', /ECONNREFUSED|EHOSTUNREACH/);
    const elsewhere = await batuIn(hosts.a.name, ['mesh', 'start', nodesOf('b')[0], '-n', names.a]);
    assert.notEqual(elsewhere.exitCode, 0, 'a node of another host is not started here');
    assert.match(String(elsewhere.stderr), new RegExp(`node ${nodesOf('b')[0]} runs on host b, not here`));

    // Host b comes up: the links across come up with it, and every node reaches every other.
    const second = await up('b');
    assert.equal(second.exitCode, 0, `mesh up --partition b:\n${second.stderr}${second.stdout}`);
    status = await statusUntil(hosts.a, file, (s) => s.converged && s.down.length === 0);
    assert.deepEqual(status.down, []);
    assert.ok(status.converged, 'every node has a route to every other across the hosts');
    for (const v of status.views) assert.equal(Object.keys(v.originators).length, 9, `${v.name}'s routes`);

    // Cut one link across (each host cuts its end): traffic between its ends goes another way.
    const [x, y] = crossing[0].nodes;
    for (const host of ['a', 'b'] as const) {
      const r = await batuIn(hosts[host].name, ['mesh', 'cut', x, y, '-n', names[host]]);
      assert.equal(r.exitCode, 0, String(r.stderr));
      const other = host === 'a' ? 'b' : 'a';
      assert.match(
        String(r.stdout),
        new RegExp(`^cut ${x}-${y} \\(this host's end; .* on host ${other}: change it there too\\)`),
      );
    }
    const rerouted = (s: AcrossStatus) =>
      s.converged &&
      s.down.length === 0 &&
      s.views.find((v) => v.name === x)!.originators[y]?.via !== y &&
      s.views.find((v) => v.name === y)!.originators[x]?.via !== x;
    status = await statusUntil(hosts.a, file, rerouted);
    assert.ok(
      rerouted(status),
      `${x}-${y} cut: ${JSON.stringify(status.views.filter((v) => [x, y].includes(v.name)))}`,
    );

    // Host b dies: a's nodes keep their routes to each other and drop b's.
    await killAllIn(hosts.b);
    const alone = (s: AcrossStatus) =>
      s.hosts.find((h) => h.name === 'b')!.error !== undefined &&
      s.converged &&
      nodesOf('a').every(
        (n) =>
          routesOf(s, n).join() ===
          nodesOf('a')
            .filter((m) => m !== n)
            .join(),
      );
    status = await statusUntil(hosts.a, file, alone);
    assert.ok(
      alone(status),
      `after b died: ${JSON.stringify(status.views.map((v) => [v.name, routesOf(status, v.name)]))}`,
    );
    assert.deepEqual(status.down, nodesOf('b'));

    // b comes back (its leftovers from the kill are no obstacle): the grid is whole again.
    const again = await up('b');
    assert.equal(again.exitCode, 0, `mesh up --partition b again:\n${again.stderr}${again.stdout}`);
    status = await statusUntil(hosts.a, file, (s) => s.converged && s.down.length === 0);
    assert.deepEqual(status.down, []);
    for (const v of status.views)
      assert.equal(Object.keys(v.originators).length, 9, `${v.name}'s routes after b's return`);
  },
);

after(async () => {
  // Only the killed partition may have left anything; anything else must already be gone.
  const logs = await removeLeftovers(before_);
  assert.deepEqual(
    logs.filter((m) => !/^btpb-\d+\.\d+\.log$/.test(m)),
    [],
    'only the killed partition’s --detach log is left',
  );
});
