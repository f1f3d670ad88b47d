// The guest image booted by the runner: the original README's gateway example, a
// two-node mesh, and a node with broken parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from '../../lib/cmdline/index.ts';
import {
  Netns,
  UmlNode,
  alfredBridge,
  batctl,
  batctlJson,
  guestCommand,
  listGuestDir,
  putGuestFile,
  readGuestFile,
} from '../../lib/runner/index.ts';
import { eventually, pings, nodeTestBed } from '../fixtures/guest-helpers.ts';
import { realise } from '../../lib/derivations/index.ts';
import { jumboKernel } from '../../recipes/batman-adv-jumbo.ts';

const bed = nodeTestBed();

const start = (...args: Parameters<typeof UmlNode.start>) => bed.start(...args);

test("the original README's gateway example comes up with everything it asked for", async () => {
  const readme = parse(
    `umid=linux-batman-v14 eth0=tuntap,batu0-mgmt eth1=tuntap,batu0,ca:fe:fe:fe:03:f1
    eth2=tuntap,fastd1-batu0,ca:fe:fe:fe:03:e1 eth3=tuntap,fastd2-batu0,ca:fe:fe:fe:03:e2 eth4=tuntap,fastd3-batu0,ca:fe:fe:fe:03:e3
    eth5=tuntap,fastd4-batu0,ca:fe:fe:fe:03:e4 eth6=tuntap,vpn1-batu0,ca:fe:fe:fe:03:ea eth7=tuntap,vpn2-batu0,ca:fe:fe:fe:03:eb
    mtu_eth2=1408 mtu_eth3=1408 mtu_eth4=1408 mtu_eth5=1408 mtu_eth6=1462 mtu_eth7=1462 bat0_hwaddr=ca:fe:fe:fe:03:f0
    service_ip=192.168.254.2 run_alfred=slave run_u9fs /sys/class/net/bat0/mesh/gw_mode=server
    /sys/class/net/bat0/mesh/gw_bandwidth=1024MBit/1024MBit`.split(/\s+/),
  );
  const node = await start(
    { ...readme, ...bed.paths, batctlWrapper: true },
    { netns: bed.ns, attach: { 'batu0-mgmt': 'bt-mgmt' } },
  );

  const { ready } = node;
  assert.equal(ready.errors, 0, node.consoleText);
  assert.deepEqual(
    ready.interfaces.map((i) => [i.name, i.role, i.mtu]),
    [
      ['eth0', 'management', 1500],
      ['eth1', 'bat0-tap', 1500],
      ['eth2', 'hard', 1408],
      ['eth3', 'hard', 1408],
      ['eth4', 'hard', 1408],
      ['eth5', 'hard', 1408],
      ['eth6', 'hard', 1462],
      ['eth7', 'hard', 1462],
    ],
  );
  assert.deepEqual(
    ready.interfaces.slice(1).map((i) => i.mac),
    ['f1', 'e1', 'e2', 'e3', 'e4', 'ea', 'eb'].map((b) => `ca:fe:fe:fe:03:${b}`),
  );
  assert.equal(ready.bat0.mac, 'ca:fe:fe:fe:03:f0');
  assert.equal(ready.service_ip, '192.168.254.2/24');
  assert.deepEqual(ready.services.sort(), ['alfred', 'batadv-vis', 'batctl-service', 'socat', 'u9fs']);

  // The guest's files over 9P: its view of bat0's MAC, and its root.
  assert.equal((await readGuestFile(node, 'devices/virtual/net/bat0/address', '/sys')).trim(), 'ca:fe:fe:fe:03:f0');
  assert.ok((await listGuestDir(node, '/')).includes('init'));

  // The gateway setting took effect (read back through batman-adv's netlink by batctl).
  assert.match(await batctl(node, ['meshif', 'bat0', 'gw_mode']), /^server \(announced bw: 1024\.0\/1024\.0 MBit\)/);
  await eventually(
    'all six hard interfaces active in bat0',
    async () => (await batctl(node, ['meshif', 'bat0', 'interface'])).match(/^eth[2-7]: active$/gm)?.length === 6,
  );

  // alfred from the host through socat, as the README shows.
  const dir = await mkdtemp(join(tmpdir(), 'bt-alfred-'));
  const bridge = await alfredBridge(node, join(dir, 'alfred.sock'));
  try {
    // alfred stores asynchronously: a read right after the write may come back empty. A slave
    // alfred with no master in reach answered a read only after its own timeouts on a loaded
    // machine (over 10 s), and in 1 of 4 full runs the record never showed within 30 s (cause
    // not found; #19's simulated time is meant to make such stalls reproducible): the write
    // is repeated with each try, and the node gets 60 s.
    let read = '';
    await eventually(
      'the record is readable',
      async () => {
        await execa('alfred', ['-s', '158', '-u', bridge.socket], { input: 'hello from the host' });
        read = (await execa('alfred', ['-r', '158', '-u', bridge.socket])).stdout.trim();
        return read !== '';
      },
      60_000,
    );
    assert.equal(read, '{ "ca:fe:fe:fe:03:f0", "hello from the host" },');
  } finally {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('two nodes on one host bridge form a mesh, and a ping crosses from one bat0 tap to the other', async () => {
  await bed.ns.addBridge('bt-mesh');
  const node = (n: number) => ({
    ...bed.paths,
    umid: `bt-pair-${n}`,
    serviceIp: `192.168.254.${10 + n}/24`,
    batctlWrapper: true,
    // Bridge loop avoidance would drop the mesh's broadcasts (ARP) for the first ~30 s.
    mesh: {
      bridge_loop_avoidance: 0 as const,
      orig_interval: 200,
      ...(n === 1 ? { multicast_fanout: 8, isolation_mark: '0x10/0x30' } : {}),
    },
    management: { driver: 'tuntap' as const, tap: `bt-p${n}-m` },
    bat0Tap: { driver: 'tuntap' as const, tap: `bt-p${n}-b`, mac: `ca:fe:00:00:0${n}:01` },
    hard: [{ driver: 'vector' as const, transport: 'tap' as const, ifname: `bt-p${n}-h`, mac: `ca:fe:00:00:0${n}:02` }],
    bat0Mac: `ca:fe:00:00:0${n}:00`,
  });
  const [a, b] = await Promise.all(
    [1, 2].map((n) =>
      start(node(n), {
        netns: bed.ns,
        attach: { [`bt-p${n}-m`]: 'bt-mgmt', [`bt-p${n}-h`]: 'bt-mesh' },
      }),
    ),
  );
  assert.equal(a.ready.interfaces[2].name, 'vec2');
  // bat0's settings are made before a hard interface joins: batman-adv schedules the first
  // OGM at join time with the interval then set (the default 1 s would hold for one round).
  const boot = a.consoleText;
  assert.ok(
    boot.indexOf('wrote /sys/class/net/bat0/mesh/orig_interval=200') < boot.indexOf('bat0: Adding interface: vec2'),
    boot,
  );

  // The knobs a spec offers beyond the first thirteen reach batman-adv (guest/init/settings.c).
  assert.match(await batctl(a, ['multicast_fanout']), /^8\b/m);
  assert.match(await batctl(a, ['isolation_mark']), /^0x0*10\/0x0*30\b/m);
  assert.match(await batctl(b, ['multicast_fanout']), /^16\b/m, 'the default elsewhere');

  // Each sees the other as a batman-adv neighbour.
  const neighbour = (from: UmlNode, mac: string) =>
    eventually(`${from.spec.umid} sees ${mac} as a neighbour`, async () =>
      (await batctlJson<{ neigh_address: string }[]>(from, 'neighbors_json')).some((n) => n.neigh_address === mac),
    );
  await neighbour(a, 'ca:fe:00:00:02:02');
  await neighbour(b, 'ca:fe:00:00:01:02');

  // The host ends of the bat0 taps go into namespaces of their own, as two hosts would be.
  const clients = await Promise.all([1, 2].map(() => Netns.create('bt')));
  try {
    for (const [n, client] of clients.entries()) {
      await bed.ns.ip('link', 'set', `bt-p${n + 1}-b`, 'netns', client.name);
      await client.ip('addr', 'add', `10.99.0.${n + 1}/24`, 'dev', `bt-p${n + 1}-b`);
      await client.ip('link', 'set', `bt-p${n + 1}-b`, 'up');
    }
    await eventually('a ping crosses', () => pings(clients[0], '10.99.0.2'));
    const ping = await clients[0].exec('ping', ['-c', '3', '-i', '0.2', '-W', '5', '10.99.0.2'], { reject: false });
    assert.match(ping.stdout, / 0% packet loss/, ping.stdout + ping.stderr);
  } finally {
    for (const client of clients) await client.delete();
  }
});

test('a node with broken parameters reports each one and still comes up with the rest', async () => {
  const broken = [
    'mtu_eth2=abc',
    'bat0_hwaddr=zz:zz',
    'mtu_eth9=1400',
    'run_alfred=sometimes',
    'ethX=foo',
    '/sys/class/net/bat0/mesh/nope=1',
    '/sys/class/net/bat0/mesh/gw_mode=sideways',
    '/nonexistent/dir/file=1',
    'run_script=relative/test.sh',
    'run_script=/a/../b.sh',
  ];
  const node = await start(
    {
      ...bed.paths,
      umid: 'bt-broken',
      serviceIp: '192.168.254.30/24',
      u9fs: true,
      batctlWrapper: true,
      management: { driver: 'tuntap', tap: 'bt-x-m' },
      bat0Tap: { driver: 'tuntap', tap: 'bt-x-b' },
      hard: [{ driver: 'tuntap', tap: 'bt-x-h' }],
      mesh: { orig_interval: 2000 },
    },
    { netns: bed.ns, attach: { 'bt-x-m': 'bt-mgmt' }, extraArgs: [...broken, '/etc/hosts=x'] },
  );
  const errors = node.consoleText.split('\n').filter((l) => l.startsWith('batu-init: error:'));
  for (const param of broken) {
    assert.equal(
      errors.filter((l) => l.includes(param)).length,
      1,
      `one error line names ${param}:\n${errors.join('\n')}`,
    );
  }
  assert.equal(node.ready.errors, broken.length);
  // The rest came up: the hard interface is in the mesh, the valid setting applied, services run.
  await eventually('eth2 active in bat0', async () =>
    /^eth2: active$/m.test(await batctl(node, ['meshif', 'bat0', 'interface'])),
  );
  assert.equal((await batctl(node, ['meshif', 'bat0', 'orig_interval'])).trim(), '2000');
  assert.ok((await listGuestDir(node, '/')).includes('init'));
  assert.equal(
    await readGuestFile(node, 'etc/hosts', '/'),
    'x',
    'a write replaces the file, it does not overwrite its start',
  );
});

test('one request cannot end the mesh: bat0 destroyed through the batctl service comes back with its interfaces and settings', async () => {
  const node = await start(
    {
      ...bed.paths,
      umid: 'bt-rebuild',
      serviceIp: '192.168.254.33/24',
      batctlWrapper: true,
      mesh: { orig_interval: 2000 },
      management: { driver: 'tuntap', tap: 'bt-d-m' },
      bat0Tap: { driver: 'tuntap', tap: 'bt-d-b' },
      hard: [{ driver: 'tuntap', tap: 'bt-d-h' }],
    },
    { netns: bed.ns, attach: { 'bt-d-m': 'bt-mgmt' } },
  );
  await eventually('eth2 active in bat0', async () =>
    /^eth2: active$/m.test(await batctl(node, ['meshif', 'bat0', 'interface'])),
  );
  await batctl(node, ['meshif', 'bat0', 'interface', 'destroy']).catch(() => {});
  await node.waitForConsole(/batu-init: bat0 is back/);
  assert.match(node.consoleText, /batu-init: bat0 was removed; making it again with its interfaces and settings/);
  await eventually('eth2 active in bat0 again', async () =>
    /^eth2: active$/m.test(await batctl(node, ['meshif', 'bat0', 'interface'])),
  );
  assert.equal((await batctl(node, ['meshif', 'bat0', 'orig_interval'])).trim(), '2000');
});

test('the 9P server confines a client to the directory it attached; run_u9fs=ro and run_batctl_wrapper=ro refuse changes', async () => {
  const node = await start(
    {
      ...bed.paths,
      umid: 'bt-9p-ro',
      serviceIp: '192.168.254.32/24',
      u9fs: 'ro',
      batctlWrapper: 'ro',
      management: { driver: 'tuntap', tap: 'bt-r-m' },
      bat0Tap: { driver: 'tuntap', tap: 'bt-r-b' },
    },
    { netns: bed.ns, attach: { 'bt-r-m': 'bt-mgmt' } },
  );
  assert.match(await readGuestFile(node, 'hosts', '/etc'), /localhost/);
  await assert.rejects(
    readGuestFile(node, '../proc/version', '/etc'),
    /No such file|ENOENT|failed/,
    '.. stops at the export',
  );
  await assert.rejects(putGuestFile(node, '/tmp/x', Buffer.from('x')), /EROFS|Read-only/);
  assert.match(await readGuestFile(node, 'proc/version', '/'), /Linux version/);
  assert.match(await batctl(node, ['meshif', 'bat0', 'interface']), /^$|eth/, 'reading is allowed');
  assert.match(
    await batctl(node, ['meshif', 'bat0', 'interface', 'destroy']),
    /read-only \(run_batctl_wrapper=ro\): refusing/,
  );
  assert.match(await batctl(node, ['meshif', 'bat0', 'orig_interval', '100']), /read-only/);
  for (const args of [['-c', 'true'], ['/x.sh'], []])
    assert.match(await guestCommand(node, 'sh', args), /read-only \(run_batctl_wrapper=ro\): refusing/, `sh ${args}`);
  assert.match(await batctl(node, ['meshif', 'bat0', 'orig_interval']), /^\d+$/m);
  assert.equal(node.consoleText.includes('bat0 was removed'), false);
});

test('a kernel without batman-adv and no module: the init says bat0 cannot be made, and the rest comes up', async () => {
  const kernel = (await realise(await jumboKernel())).path; // 6.12 with BATMAN_ADV off
  const node = await start(
    {
      ...bed.paths,
      kernel,
      umid: 'bt-nobatman',
      serviceIp: '192.168.254.31/24',
      u9fs: true,
      batctlWrapper: true,
      management: { driver: 'tuntap', tap: 'bt-n-m' },
      hard: [{ driver: 'tuntap', tap: 'bt-n-h' }],
    },
    { netns: bed.ns, attach: { 'bt-n-m': 'bt-mgmt' } },
  );
  // Neither rtnetlink nor the legacy sysfs way (which the init tries next) can make bat0.
  const errors = node.consoleText.split('\n').filter((l) => l.startsWith('batu-init: error:'));
  assert.deepEqual(errors, ['batu-init: error: create bat0: Not supported'], node.consoleText); // EOPNOTSUPP, in musl's words
  assert.equal(node.ready.errors, 1);
  assert.deepEqual(node.ready.services.sort(), ['batctl-service', 'u9fs']);
  assert.ok((await listGuestDir(node, '/')).includes('init'));
});

test('a node on the shared read-only hostfs root comes up at mem=24M with its services', async () => {
  const node = await start(
    {
      ...bed.paths,
      umid: 'bt-hostfs',
      rootfs: 'hostfs',
      mem: '24M',
      serviceIp: '192.168.254.31/24',
      u9fs: true,
      batctlWrapper: true,
      alfred: 'slave',
      management: { driver: 'tuntap', tap: 'bt-hf-m' },
      bat0Tap: { driver: 'tuntap', tap: 'bt-hf-b' },
      hard: [{ driver: 'tuntap', tap: 'bt-hf-h' }],
    },
    { netns: bed.ns, attach: { 'bt-hf-m': 'bt-mgmt' } },
  );
  assert.equal(node.ready.errors, 0, node.consoleText);
  assert.match(node.consoleText, /VFS: Mounted root \(hostfs filesystem\) readonly/);
  assert.deepEqual(node.ready.services.sort(), ['alfred', 'batadv-vis', 'batctl-service', 'socat', 'u9fs']);
  assert.ok((await listGuestDir(node, '/')).includes('init'));
});
