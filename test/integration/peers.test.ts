// A restarted part finds its peers. Two namespaces play two hosts that know each other only
// by name (/etc/netns/<ns>/hosts, which `ip netns exec` puts in place of /etc/hosts), as pods
// of a StatefulSet do. A part restarted with a new address (kill -9, the address changed, the
// names file rewritten, mesh up again) is followed by the other part, which is not restarted:
// by its periodic look-up (--peer-check), or, with look-ups off, by `mesh restore`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { meshDir, type AcrossStatus } from '../../lib/mesh/index.ts';
import type { Netns } from '../../lib/runner/index.ts';
import { batuCli, batuIn } from '../fixtures/cli-helpers.ts';
import { guestPaths } from '../fixtures/guest-helpers.ts';
import { killAllIn, leftovers, pidsIn, removeLeftovers, statusUntil, twoHosts } from '../fixtures/host-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

let before_: Awaited<ReturnType<typeof leftovers>>;
before(async () => {
  await guestPaths();
  before_ = await leftovers();
});

const whole = (s: AcrossStatus) => s.converged && s.down.length === 0;
const alive = (pid: string) => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};

test(
  'a part restarted with a new address: the other part follows its name (periodic look-up, then mesh restore) without restarting',
  { timeout: 900_000 },
  async (t) => {
    const { hosts } = await twoHosts('10.99.4', 'btr');
    const names = { a: `btra-${process.pid}`, b: `btrb-${process.pid}` };
    const address = { a: '10.99.4.1', b: '10.99.4.2' };
    const veth = { a: 'btra', b: 'btrb' };
    // Each host's names file; rewritten in place, so the bind mount of a running part sees it.
    const hostsFile = (ns: Netns) => join('/etc/netns', ns.name, 'hosts');
    const publish = async () => {
      for (const ns of [hosts.a, hosts.b]) {
        await mkdir(join('/etc/netns', ns.name), { recursive: true });
        await writeFile(hostsFile(ns), `127.0.0.1 localhost\n${address.a} batu-peer-a\n${address.b} batu-peer-b\n`);
      }
    };
    t.after(async () => {
      for (const host of ['a', 'b'] as const) {
        await batuIn(hosts[host].name, ['mesh', 'down', '-n', names[host]]);
        await killAllIn(hosts[host]);
        await rm(join('/etc/netns', hosts[host].name), { recursive: true, force: true });
        await hosts[host].delete();
      }
    });
    await publish();
    const dir = await tempDir(t);
    const file = join(dir, 'line.json');
    const placed = await batuCli(
      'mesh',
      'partition',
      '--topo',
      'line,4',
      '--parts',
      '2',
      '--hosts',
      'a=batu-peer-a,b=batu-peer-b',
    );
    assert.equal(placed.exitCode, 0, placed.stderr);
    await writeFile(file, placed.stdout);
    const up = async (host: 'a' | 'b', peerCheck: number) => {
      const r = await batuIn(hosts[host].name, [
        'mesh',
        'up',
        file,
        '--partition',
        host,
        '--name',
        names[host],
        '--peer-check',
        String(peerCheck),
        '--detach',
      ]);
      assert.equal(r.exitCode, 0, `mesh up --partition ${host}:\n${r.stderr}${r.stdout}`);
    };
    /** Kill every process of a host, give it a new address and publish it: a pod restarted elsewhere. */
    const move = async (host: 'a' | 'b', to: string) => {
      await killAllIn(hosts[host]);
      await hosts[host].ip('addr', 'del', `${address[host]}/24`, 'dev', veth[host]);
      await hosts[host].ip('addr', 'add', `${to}/24`, 'dev', veth[host]);
      address[host] = to;
      await publish();
    };
    /** What a host's parts logged, every start's --detach log. */
    const logOf = async (host: 'a' | 'b') => {
      const logs = (await readdir(meshDir)).filter((f) => f.startsWith(`${names[host]}.`) && f.endsWith('.log'));
      return (await Promise.all(logs.map((log) => readFile(join(meshDir, log), 'utf8')))).join('');
    };

    // a looks its peers up every 2 s; b only when a link is restored.
    await up('a', 2);
    await up('b', 0);
    let status = await statusUntil(hosts.a, file, whole);
    assert.ok(whole(status), `both parts up: ${JSON.stringify(status)}`);

    // b restarts at a new address: a, not restarted, re-plugs its tunnel and the line is whole.
    const aPids = await pidsIn(hosts.a);
    await move('b', '10.99.4.3');
    await up('b', 0);
    status = await statusUntil(hosts.a, file, whole);
    assert.ok(whole(status), `after b moved: ${JSON.stringify(status)}`);
    assert.deepEqual(
      aPids.filter((p) => !alive(p)),
      [],
      "a's mesh and nodes were not restarted",
    );
    assert.match(await logOf('a'), /host b \(batu-peer-b\) moved from 10\.99\.4\.2 to 10\.99\.4\.3/);
    assert.match(await logOf('a'), /re-plugged to 10\.99\.4\.3/);

    // a restarts at a new address: b does not look (peer checks off), so what b sends goes
    // astray and the line stays broken...
    const bPids = await pidsIn(hosts.b);
    await move('a', '10.99.4.4');
    await up('a', 2);
    await sleep(15_000);
    status = await statusUntil(hosts.a, file, whole, 1);
    assert.ok(!whole(status), `b cannot have followed a on its own: ${JSON.stringify(status)}`);
    // ...until `mesh restore` of the link across, on b, looks a up again.
    const restored = await batuIn(hosts.b.name, ['mesh', 'restore', 'n2', 'n3', '-n', names.b]);
    assert.equal(restored.exitCode, 0, String(restored.stderr));
    status = await statusUntil(hosts.b, file, whole);
    assert.ok(whole(status), `after mesh restore on b: ${JSON.stringify(status)}`);
    assert.deepEqual(
      bPids.filter((p) => !alive(p)),
      [],
      "b's mesh and nodes were not restarted",
    );
    assert.match(await logOf('b'), /host a \(batu-peer-a\) moved from 10\.99\.4\.1 to 10\.99\.4\.4/);
  },
);

after(async () => {
  // Only the killed parts may have left anything.
  const logs = await removeLeftovers(before_);
  assert.deepEqual(
    logs.filter((m) => !/^btr[ab]-\d+\.\d+\.log$/.test(m)),
    [],
    'only the killed parts’ --detach logs are left',
  );
});
