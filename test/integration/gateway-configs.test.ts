// The gateway's daemons' configurations, generated from the example gateway file, as the
// daemons themselves read them: fastd --verify-config, kea-dhcp4 -t, radvd --configtest and
// nft -c, in a namespace with the gateway's client bridges and uplink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { Netns } from '../../lib/runner/index.ts';
import { batuCli } from '../fixtures/cli-helpers.ts';
import { tempDir } from '../fixtures/store-helpers.ts';

test('the daemons accept the configurations made from the example gateway file', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'gateway.yaml');
  await cp(new URL('../../examples/gateway.yaml', import.meta.url).pathname, file);
  assert.equal((await batuCli('gateway', 'keys', file)).exitCode, 0);
  const out = join(dir, 'etc');
  const made = await batuCli(
    'gateway',
    'configs',
    file,
    '--out',
    out,
    '--run-dir',
    join(dir, 'run'),
    '--state-dir',
    join(dir, 'state'),
  );
  assert.equal(made.exitCode, 0, String(made.stderr));
  assert.deepEqual(
    String(made.stdout)
      .split('\n')
      .map((l) => l.replace(`${out}/`, '')),
    ['fastd-dom1.conf (fastd)', 'kea-dhcp4.conf (kea-dhcp4)', 'radvd.conf (radvd)', 'nftables.conf (nft)'],
  );
  assert.equal((await stat(join(out, 'fastd-dom1.conf'))).mode & 0o777, 0o600, 'fastd’s holds the secret');

  // The gateway's host: its client bridges and its uplink.
  const ns = await Netns.create('bt');
  t.after(() => ns.delete());
  for (const bridge of ['br-dom1', 'br-dom2']) {
    await ns.ip('link', 'add', bridge, 'type', 'bridge');
    await ns.ip('link', 'set', bridge, 'up');
  }
  await ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p'); // no dummy module on this host
  const inNs = (command: string, args: string[]) =>
    execa('ip', ['netns', 'exec', ns.name, command, ...args], { reject: false, all: true, cwd: out });
  const checks: [string, string[]][] = [
    ['fastd', ['--verify-config', '-c', 'fastd-dom1.conf']],
    ['kea-dhcp4', ['-t', 'kea-dhcp4.conf']],
    ['radvd', ['--configtest', '-C', 'radvd.conf']],
    ['nft', ['-c', '-f', 'nftables.conf']],
  ];
  for (const [command, args] of checks) {
    const r = await inNs(command, args);
    assert.equal(r.exitCode, 0, `${command} ${args.join(' ')}:\n${r.all}`);
  }
  // And they would refuse what is wrong: a kea subnet on a bridge the host lacks.
  await ns.ip('link', 'del', 'br-dom2');
  const refused = await inNs('kea-dhcp4', ['-t', 'kea-dhcp4.conf']);
  assert.notEqual(refused.exitCode, 0, 'kea refuses a missing interface');
  assert.match(refused.all ?? '', /br-dom2/);

  const nft = await readFile(join(out, 'nftables.conf'), 'utf8');
  assert.match(nft, /ip saddr 10\.101\.0\.0\/20 oifname "eth0" masquerade/);
  assert.match(nft, /udp dport 1001 iifname != \{ "br-dom1", "br-dom2" \} drop/);
  const kea = JSON.parse(await readFile(join(out, 'kea-dhcp4.conf'), 'utf8')) as {
    Dhcp4: { subnet4: { subnet: string; pools: { pool: string }[] }[] };
  };
  assert.deepEqual(
    kea.Dhcp4.subnet4.map((s) => [s.subnet, s.pools[0].pool]),
    [
      ['10.101.0.0/20', '10.101.1.0 - 10.101.15.254'],
      ['10.102.0.0/20', '10.102.1.0 - 10.102.15.254'],
    ],
  );
  assert.match(
    await readFile(join(out, 'radvd.conf'), 'utf8'),
    /interface br-dom1 \{[^}]*AdvLinkMTU 1280;[^]*RDNSS fd01:101::1/,
  );
});
