// The gateway file: the example is accepted once its keys exist; bad files are refused whole,
// each problem naming its field; nothing is started or written by `gateway check`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  GatewayFileError,
  domainMac,
  gatewayUnits,
  loadGateway,
  planOf,
  type GatewayFileInput,
} from '../../lib/gateway/index.ts';
import { batuCli } from '../fixtures/cli-helpers.ts';

const example = new URL('../../examples/gateway.yaml', import.meta.url).pathname;
const FASTD_SECRET = 'a8'.repeat(32);
const WG_KEY = 'YNqHZpsTd2hAPoHz4fAmjQPEVGJTUk1KvL/5JcHbyEo=';

/** The example in a directory of its own, with keys where it wants them; `change` edits it first. */
async function exampleCopy(t: { after(fn: () => Promise<void>): void }, change?: (g: GatewayFileInput) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'batu-gw-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const gateway = parse(await readFile(example, 'utf8')) as GatewayFileInput;
  change?.(gateway);
  for (const peers of ['dom1-peers', 'dom1-wg-peers']) await mkdir(join(dir, 'keys', peers), { recursive: true });
  await writeFile(join(dir, 'keys/dom1-fastd.key'), `${FASTD_SECRET}\n`);
  for (const d of ['dom1', 'dom2']) await writeFile(join(dir, `keys/${d}-wg.key`), `${WG_KEY}\n`);
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, stringify(gateway));
  return file;
}

/** loadGateway's refusal, as text. */
async function refusal(file: string): Promise<string> {
  const error = await loadGateway(file).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GatewayFileError, String(error));
  return error.message;
}

test('the example gateway file is accepted once its keys exist, with its defaults filled in', async (t) => {
  const { gateway } = await loadGateway(await exampleCopy(t));
  assert.equal(gateway.domains.length, 2);
  const [dom1, dom2] = gateway.domains;
  assert.deepEqual(dom1.tunnels[0].kind === 'fastd' && dom1.tunnels[0].methods, ['null', 'salsa2012+umac']);
  assert.equal(dom2.routingAlgo, 'BATMAN_V');
  assert.equal(dom2.clients.ipv4.dhcp?.leaseSeconds, 600);
  assert.equal(dom2.clients.ipv6?.mtu, 1280);
  assert.match(
    dom1.tunnels[1].kind === 'wireguard-vxlan' ? dom1.tunnels[1].privateKeyFile : '',
    /^\/.*keys\/dom1-wg\.key$/,
  );
});

test('bad gateway files are refused whole, each problem naming its field', async (t) => {
  const cases: [string, (g: GatewayFileInput) => void, RegExp[]][] = [
    [
      'overlapping prefixes',
      (g) => {
        g.domains[1].clients.ipv4.address = '10.101.8.1/21';
        g.domains[1].clients.ipv4.dhcp = { from: '10.101.9.0', to: '10.101.9.200' };
        g.domains[1].clients.ipv6!.address = 'fd01:101::2/64';
      },
      [
        /domains\.1\.clients\.ipv4\.address: its prefix overlaps domains\.0\.clients\.ipv4\.address \(10\.101\.0\.0\/20\)/,
        /domains\.1\.clients\.ipv6\.address: its prefix overlaps domains\.0\.clients\.ipv6\.address \(fd01:101::\/64\)/,
      ],
    ],
    [
      'a port used twice',
      (g) => (g.domains[1].tunnels[0].port = 10001),
      [/domains\.1\.tunnels\.0\.port: UDP port 10001 is used already by domains\.0\.tunnels\.0\.port/],
    ],
    [
      'a VNI reused',
      (g) => {
        const t = g.domains[1].tunnels[0];
        if (t.kind === 'wireguard-vxlan') t.vni = 1001;
      },
      [/domains\.1\.tunnels\.0\.vni: VNI 1001 is used already by domains\.0\.tunnels\.1\.vni/],
    ],
    [
      'an unknown tunnel kind',
      (g) => ((g.domains[0].tunnels[0] as { kind: string }).kind = 'openvpn'),
      [/domains\.0\.tunnels\.0\.kind: .*'fastd' \| 'wireguard-vxlan' \(got "openvpn"\)/],
    ],
    [
      'a DHCP range outside its prefix, and a bad address',
      (g) => {
        g.domains[0].clients.ipv4.dhcp!.to = '10.102.0.9';
        g.domains[1].clients.ipv4.address = '10.102.0.300/20';
      },
      [
        /domains\.0\.clients\.ipv4\.dhcp\.to: 10\.102\.0\.9 is outside 10\.101\.0\.1\/20/,
        /domains\.1\.clients\.ipv4\.address: expected an IPv4 address with its prefix length .* \(got "10\.102\.0\.300\/20"\)/,
      ],
    ],
    [
      'a domain name used twice',
      (g) => (g.domains[1].name = 'dom1'),
      [/domains\.1\.name: domain name dom1 is used already by domains\.0\.name/],
    ],
    [
      'a host name used twice (the domains would share their MACs)',
      (g) => (g.domains[1].respondd.hostname = 'gw1-dom1'),
      [/domains\.1\.respondd\.hostname: host name gw1-dom1 is used already by domains\.0\.respondd\.hostname/],
    ],
  ];
  for (const [what, change, expected] of cases) {
    const message = await refusal(await exampleCopy(t, change));
    for (const pattern of expected) assert.match(message, pattern, `${what}:\n${message}`);
  }
});

test('key files that are missing or hold no key are named, with how to make them', async (t) => {
  const file = await exampleCopy(t);
  await rm(join(file, '../keys/dom2-wg.key'));
  await writeFile(join(file, '../keys/dom1-fastd.key'), 'not a key\n');
  const message = await refusal(file);
  assert.match(
    message,
    /domains\.1\.tunnels\.0\.privateKeyFile: no readable file .*keys\/dom2-wg\.key \(wg genkey > FILE/,
  );
  assert.match(
    message,
    /domains\.0\.tunnels\.0\.secretKeyFile: .*keys\/dom1-fastd\.key holds no key \(fastd --generate-key\)/,
  );
});

test('batu gateway keys makes what is missing with fastd and wg (keys 0600, directories 0755 under any umask), then check prints the plan', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'batu-gw-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(example, join(dir, 'gateway.yaml'));
  const before = await batuCli('gateway', 'check', join(dir, 'gateway.yaml'));
  assert.notEqual(before.exitCode, 0);
  assert.match(String(before.stderr), /batu gateway keys makes what is missing/);
  const umask = process.umask(0o077); // root's private umask: fastd (as nobody) must still read the peers
  const made = await batuCli('gateway', 'keys', join(dir, 'gateway.yaml')).finally(() => process.umask(umask));
  assert.equal(made.exitCode, 0, String(made.stderr));
  for (const open of ['keys', 'keys/dom1-peers', 'keys/dom1-wg-peers'])
    assert.equal((await stat(join(dir, open))).mode & 0o777, 0o755, `${open}'s mode`);
  assert.deepEqual((await readdir(join(dir, 'keys'))).sort(), [
    'dom1-fastd.key',
    'dom1-peers',
    'dom1-wg-peers',
    'dom1-wg.key',
    'dom2-wg.key',
  ]);
  for (const key of ['dom1-fastd.key', 'dom1-wg.key'])
    assert.equal((await stat(join(dir, 'keys', key))).mode & 0o777, 0o600, `${key}'s mode`);
  const checked = await batuCli('gateway', 'check', join(dir, 'gateway.yaml'));
  assert.equal(checked.exitCode, 0, String(checked.stderr));
  assert.match(String(checked.stdout), /^domain dom1: node gw1-dom1 as nobody$/m);
  assert.match(String(checked.stdout), /tunnel fastd on UDP 10001 \(host: fastd-dom1\)/);
  assert.match(String(checked.stdout), /DHCPv4 by kea: 10\.101\.1\.0–10\.101\.15\.254/);
  const json = await batuCli('gateway', 'check', join(dir, 'gateway.yaml'), '--json');
  assert.deepEqual(
    (JSON.parse(String(json.stdout)) as { domains: { tunnels: { device: string }[] }[] }).domains.map((d) =>
      d.tunnels.map((x) => x.device),
    ),
    [['fastd-dom1', 'vx-dom1'], ['vx-dom2']],
  );
  const again = await batuCli('gateway', 'keys', join(dir, 'gateway.yaml'));
  assert.equal(String(again.stdout), 'nothing missing', 'existing keys are left alone');
});

test('a domain’s MACs: local unicast, from its host name, one per role; another host name, others', () => {
  const roles = ['bat0', 'bat0-tap', 'hard', 'client-bridge'] as const;
  const one = roles.map((role) => domainMac('gw1-dom1', role));
  for (const mac of one) assert.match(mac, /^02(:[0-9a-f]{2}){5}$/);
  assert.equal(new Set(one).size, roles.length);
  assert.deepEqual(
    roles.map((role) => domainMac('gw1-dom1', role)),
    one,
    'the same on every start',
  );
  assert.notEqual(domainMac('gw1-dom1', 'hard', 1), domainMac('gw1-dom1', 'hard', 0));
  const other = roles.map((role) => domainMac('gw2-dom1', role));
  for (const mac of other) assert.ok(!one.includes(mac), `${mac} is gw1-dom1's too`);
});

test('gateway units: what systemd would expand in a path (% and $) is escaped, a space quoted; %i is meant', async (t) => {
  const { gateway } = await loadGateway(await exampleCopy(t));
  const files = await gatewayUnits(gateway, planOf(gateway), {
    file: '/srv/gw 100%/$HOME.yaml',
    batu: ['/usr/bin/node', '/opt/batu/bin/batu.js'],
    workingDirectory: '/opt/batu',
    store: '/var/cache/batu/store',
    kernel: '/k',
    image: '/i',
    runDir: '/run/batu-gateway',
    stateDir: '/var/lib/batu-gateway',
  });
  const content = (name: string) => files.find((f) => f.path.endsWith(`/${name}`))!.content;
  assert.match(
    content('batu-gateway-net.service'),
    /^ExecStart=\/usr\/bin\/node \/opt\/batu\/bin\/batu\.js gateway net up "\/srv\/gw 100%%\/\$\$HOME\.yaml" /m,
  );
  assert.match(content('batu-gateway-node@.service'), / %i --kernel \/k --image \/i$/m);
  assert.equal(files.find((f) => f.path === '/etc/fastd/fastd-dom1/fastd.conf')?.mode, 0o600, 'it holds the secret');
});
