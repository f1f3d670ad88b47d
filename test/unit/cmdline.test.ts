import { test } from 'node:test';
import assert from 'node:assert/strict';
import { limits, parse, parseSpec, render, type NodeSpec, type NodeSpecInput } from '../../lib/cmdline/index.ts';
import { initView } from '../fixtures/host-init.ts';
import { params } from '../../lib/cmdline/params.ts';
import { readFile } from 'node:fs/promises';

// The original README's gateway example (../shared/seed), parameters as given there.
const readmeArgv = `umid=linux-batman-v14 uml_dir=/run/uml eth0=tuntap,batu0-mgmt eth1=tuntap,batu0,ca:fe:fe:fe:03:f1
  eth2=tuntap,fastd1-batu0,ca:fe:fe:fe:03:e1 eth3=tuntap,fastd2-batu0,ca:fe:fe:fe:03:e2 eth4=tuntap,fastd3-batu0,ca:fe:fe:fe:03:e3
  eth5=tuntap,fastd4-batu0,ca:fe:fe:fe:03:e4 eth6=tuntap,vpn1-batu0,ca:fe:fe:fe:03:ea eth7=tuntap,vpn2-batu0,ca:fe:fe:fe:03:eb
  mtu_eth2=1408 mtu_eth3=1408 mtu_eth4=1408 mtu_eth5=1408 mtu_eth6=1462 mtu_eth7=1462 bat0_hwaddr=ca:fe:fe:fe:03:f0
  service_ip=192.168.254.2 run_alfred=slave run_u9fs /sys/class/net/bat0/mesh/gw_mode=server
  /sys/class/net/bat0/mesh/gw_bandwidth=1024MBit/1024MBit`.split(/\s+/);

test('the original README command line parses into a spec and renders back to the same parameters', () => {
  const spec = parse(readmeArgv);
  assert.equal(spec.hard.length, 6);
  assert.deepEqual(spec.hard[4], { driver: 'tuntap', tap: 'vpn1-batu0', mac: 'ca:fe:fe:fe:03:ea', mtu: 1462 });
  assert.deepEqual(spec.mesh, { gw_mode: 'server', gw_bandwidth: '1024MBit/1024MBit' });
  assert.equal(spec.alfred, 'slave');
  assert.deepEqual(render(spec), readmeArgv);
});

// A small seeded generator of valid specs (mulberry32).
function generator(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];
  /** { [key]: value } half of the time, else {} (an absent key, not an undefined one). */
  const maybe = <T>(key: string, f: () => T) => (next() < 0.5 ? { [key]: f() } : {});
  let serial = 0;
  const mac = () =>
    `ca:fe:00:${(serial++ >> 8).toString(16).padStart(2, '0')}:${(serial & 255).toString(16).padStart(2, '0')}:${int(0, 255).toString(16).padStart(2, '0')}`;
  const dev = () => `bt${serial++}x${int(0, 999)}`;
  const ip = () => `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  const iface = (): NodeSpecInput['hard'] extends (infer I)[] | undefined ? I : never => {
    const common = { ...(next() < 0.5 ? { mac: mac() } : {}) };
    switch (int(0, 3)) {
      case 0:
        return { driver: 'tuntap', tap: dev(), ...common, ...(next() < 0.5 ? { mtu: int(576, 1500) } : {}) };
      case 1:
        return {
          driver: 'vector',
          transport: pick(['tap', 'hybrid', 'raw'] as const),
          ifname: dev(),
          ...common,
          ...(next() < 0.5 ? { mtu: int(576, 65534) } : {}),
        };
      case 2:
        return {
          driver: 'vector',
          transport: 'fd',
          fd: int(3, 1023),
          fdKind: pick(['socket', 'tap'] as const),
          offload: next() < 0.5,
          ...common,
        };
      default:
        return {
          driver: 'vector',
          transport: pick(['gre', 'l2tpv3'] as const),
          src: ip(),
          dst: ip(),
          srcPort: int(1, 65535),
          dstPort: int(1, 65535),
          key: int(0, 2 ** 32 - 1),
          ...common,
        };
    }
  };
  return (): NodeSpec => {
    const withInterfaces = next() < 0.9;
    // Rootless nodes have hard interfaces only (no management, no bat0 tap, no service address).
    const rootless = withInterfaces && next() < 0.15;
    const serviceIp =
      withInterfaces && !rootless && next() < 0.7 ? `${ip()}${next() < 0.5 ? `/${int(1, 32)}` : ''}` : undefined;
    return parseSpec({
      umid: `n${int(0, 1e6)}`,
      ...(next() < 0.5 ? { mem: `${int(16, 256)}M` } : {}),
      ...(next() < 0.5
        ? { image: `/store/${int(0, 99)}-batu-image-1`, rootfs: pick(['initramfs', 'hostfs'] as const) }
        : {}),
      ...(withInterfaces
        ? rootless
          ? { hard: Array.from({ length: int(1, 4) }, iface) }
          : { management: iface(), bat0Tap: iface(), hard: Array.from({ length: int(0, 6) }, iface) }
        : {}),
      batctlConsole: next() < 0.3,
      ...(next() < 0.5 ? { bat0Mac: mac() } : {}),
      ...(serviceIp
        ? { serviceIp, u9fs: pick([false, true, 'ro'] as const), batctlWrapper: pick([false, true, 'ro'] as const) }
        : {}),
      ...(next() < 0.5 ? { routingAlgo: pick(['BATMAN_IV', 'BATMAN_V'] as const) } : {}),
      alfred: pick(['off', 'slave', 'master'] as const),
      mesh: {
        ...maybe('gw_mode', () => pick(['off', 'client', 'server'] as const)),
        ...maybe('gw_bandwidth', () => `${int(1, 10000)}MBit/${int(1, 10000)}MBit`),
        ...maybe('orig_interval', () => int(50, 60000)),
        ...maybe('bridge_loop_avoidance', () => pick([0, 1] as const)),
        ...maybe('hop_penalty', () => int(0, 255)),
      },
      writes: Array.from({ length: int(0, 3) }, (_, i) => ({
        path: `/proc/sys/net/ipv4/conf/all/x${i}`,
        value: String(int(0, 9)),
      })),
    });
  };
}

const specs = Array.from({ length: 300 }, generator(42));

test('parse(render(spec)) deep-equals spec for generated valid specs', () => {
  for (const spec of specs) assert.deepEqual(parse(render(spec)), spec, render(spec).join(' '));
});

test('the guest init accepts exactly what render produces, and reads the same values', async () => {
  for (const spec of specs.slice(0, 120)) {
    const argv = render(spec);
    const view = await initView(argv);
    assert.deepEqual(view.errors, [], argv.join(' '));
    const interfaces = [spec.management, spec.bat0Tap, ...spec.hard];
    interfaces.forEach((iface, i) => {
      if (!iface) return;
      assert.equal(view.interfaces[i]?.kind, iface?.driver === 'tuntap' ? 'eth' : 'vec');
      assert.equal(view.interfaces[i]?.mtu, iface?.driver === 'tuntap' ? (iface.mtu ?? 0) : 0);
    });
    assert.equal(Object.keys(view.interfaces).length, interfaces.filter(Boolean).length);
    assert.equal(view.bat0_hwaddr, spec.bat0Mac ?? null);
    assert.equal(
      view.service_ip,
      spec.serviceIp ? (spec.serviceIp.includes('/') ? spec.serviceIp : `${spec.serviceIp}/24`) : null,
    );
    assert.equal(view.alfred, spec.alfred);
    assert.equal(view.run_u9fs, spec.u9fs);
    assert.equal(view.run_batctl_wrapper, spec.batctlWrapper);
    assert.equal(view.run_batctl_console, spec.batctlConsole);
    assert.equal(view.routing_algo, spec.routingAlgo ?? '');
    const meshWrites = Object.entries(spec.mesh).filter(([, v]) => v !== undefined).length;
    assert.deepEqual(view.writes.slice(meshWrites), spec.writes);
  }
});

test('invalid specs fail before anything starts, naming the field', () => {
  const base = {
    umid: 'n1',
    management: { driver: 'tuntap', tap: 'bt-m' },
    bat0Tap: { driver: 'tuntap', tap: 'bt-b', mac: 'ca:fe:00:00:00:01' },
  };
  const cases: [unknown, RegExp][] = [
    [
      { ...base, hard: [{ driver: 'tuntap', tap: 'bt-h', mac: 'ca:fe:00:00:00:01' }] },
      /hard\.0\.mac: mac ca:fe:00:00:00:01 is also used by bat0Tap\.mac/,
    ],
    [
      { ...base, hard: [{ driver: 'tuntap', tap: 'bt-m' }] },
      /hard\.0\.tap: device bt-m is also used by management\.tap/,
    ],
    [
      { ...base, hard: [{ driver: 'tuntap', tap: 'bt-h', mtu: 1560 }] },
      /hard\.0\.mtu: the legacy tuntap driver caps the MTU at 1500/,
    ],
    [
      { ...base, hard: [{ driver: 'vector', transport: 'tap', ifname: 'bt-h', mtu: 70000 }] },
      /hard\.0\.mtu: MTU above 65534/,
    ],
    [
      { ...base, hard: [{ driver: 'tuntap', tap: 'a-very-long-tap-name' }] },
      /hard\.0\.tap: expected a device name of at most 15/,
    ],
    [{ ...base, bat0Mac: '01:00:5e:00:00:01' }, /bat0Mac: a multicast MAC address/],
    [{ ...base, u9fs: true }, /u9fs: u9fs listens on serviceIp, which is not set/],
    [{ ...base, serviceIp: '300.1.1.1' }, /serviceIp: expected an IPv4 address/],
    [
      { ...base, writes: [{ path: '/sys/class/net/bat0/mesh/gw_mode', value: 'server' }] },
      /writes\.0\.path: set batman-adv settings through mesh/,
    ],
    [{ ...base, mesh: { gw_mode: 'sever' } }, /mesh\.gw_mode/],
    [{ ...base, runScript: 'tests/init.sh' }, /runScript: expected an absolute host path of a file/],
    [{ ...base, runScript: '/tests/../init.sh' }, /runScript: expected a path without \.\./],
    [{ umid: 'has space' }, /umid: expected 1-30 letters/],
    [
      { ...base, writes: [{ path: `/tmp/${'p'.repeat(251)}`, value: '1' }] },
      /writes\.0\.path: at most 255 characters \(the guest init's limit\)/,
    ],
    [{ ...base, writes: [{ path: '/tmp/x', value: 'v'.repeat(256) }] }, /writes\.0\.value: at most 255 characters/],
    [
      { ...base, writes: [{ path: '/proc/sysrq-trigger', value: 'c' }] },
      /writes\.0\.path: a write to \/proc\/sysrq-trigger would crash or halt the node/,
    ],
    [
      {
        ...base,
        writes: Array.from({ length: 40 }, (_, i) => ({ path: `/tmp/${String(i).padStart(110, 'w')}`, value: '1' })),
      },
      /the kernel command line would be \d+ bytes .*UML takes at most 4096/,
    ],
  ];
  for (const [input, message] of cases) assert.throws(() => parseSpec(input), message);
});

test('the init holds the same limits as the schema, and reports every bad interface and write', async () => {
  assert.deepEqual(
    (await initView(['y'.repeat(limits.token)])).errors,
    [],
    'a parameter of the longest length is taken',
  );
  assert.match((await initView(['y'.repeat(limits.token + 2)])).errors[0], /longer than 512 characters/);
  assert.deepEqual((await initView([`/tmp/x=${'v'.repeat(limits.text - 1)}`])).errors, []);
  const tooLong = await initView([`/tmp/x=${'v'.repeat(limits.text)}`]);
  assert.equal(tooLong.errors.length, 1, 'a value of the text limit is reported');
  assert.deepEqual(tooLong.writes, [], 'and not written');
  const view = await initView([
    'ethX=foo',
    'eth1=tuntap,a',
    'eth1=tuntap,b',
    'vec2:transport=tap,ifname=x',
    'vec2:transport=tap,ifname=y',
    'vec40:transport=tap,ifname=z',
    '/proc/sysrq-trigger=c',
  ]);
  assert.deepEqual(
    view.errors.map((e) => e.replace(/:.*$/, '')),
    [
      'bad parameter ethX=foo',
      'bad parameter eth1=tuntap,b',
      'bad parameter vec2=transport=tap,ifname=y',
      'bad parameter vec40=transport=tap,ifname=z',
      'bad parameter /proc/sysrq-trigger=c',
    ],
  );
  assert.match(view.errors[1], /interface 1 is given more than once/);
  assert.equal(view.interfaces[1]?.kind, 'eth');
  assert.deepEqual(view.writes, []);
});

test('parse names a parameter it does not know', () => {
  assert.throws(() => parse(['umid=x', 'frobnicate=1']), /unknown or malformed parameter "frobnicate=1"/);
  assert.throws(() => parse(['umid=x', 'eth0=tuntap,a', 'mtu_eth5=1400']), /mtu_eth5=1400: there is no eth5/);
});

test('an offload descriptor renders as vnet=1,gro=1 (and its ring depth) and parses back', () => {
  const spec = parseSpec({
    umid: 'x',
    hard: [
      { driver: 'vector', transport: 'fd', fd: 3, offload: true, depth: 8 },
      { driver: 'vector', transport: 'fd', fd: 4 },
    ],
  });
  const argv = render(spec);
  assert.ok(argv.includes('vec2:transport=fd,fd=3,vnet=1,gro=1,depth=8'), argv.join(' '));
  assert.ok(argv.includes('vec3:transport=fd,fd=4'), argv.join(' '));
  assert.deepEqual(
    parse(argv).hard.map((i) => i.driver === 'vector' && i.transport === 'fd' && [i.offload, i.depth]),
    [
      [true, 8],
      [false, undefined],
    ],
  );
  assert.throws(
    () => parseSpec({ umid: 'x', hard: [{ driver: 'vector', transport: 'fd', fd: 3, depth: 0 }] }),
    /depth/,
  );
});

test('the parameter table and the init agree: the same parameters, the same limits', async () => {
  const source = await readFile(new URL('../../guest/init/cmdline.c', import.meta.url), 'utf8');
  const table = /handlers\[\] = \{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
  const initHandlers = [...table.matchAll(/\{ "([^"]+)", on_\w+ \}/g)].map((m) => m[1]).sort();
  assert.ok(initHandlers.length > 5, `read the init's handler table: ${initHandlers}`);
  assert.deepEqual(
    params.flatMap((p) => (p.init ? [p.init] : [])).sort(),
    initHandlers,
    'every parameter the table gives the init is one the init handles, and the other way round',
  );
  for (const p of params.filter((q) => q.range)) {
    const [min, max] = p.range!;
    const name = p.init!.replace('*', '0');
    const at = async (v: number) => (await initView(['eth0=tuntap,bt0', `${name}=${v}`])).errors;
    assert.deepEqual([await at(min), await at(max)], [[], []], `${name}: the init takes ${min} and ${max}`);
    for (const outside of [min - 1, max + 1])
      assert.match((await at(outside))[0] ?? '', new RegExp(`${name}=${outside}: expected .* from ${min} to ${max}`));
  }
});

test('run_script: a host file renders, parses back, and the init takes it without a word', async () => {
  const spec = parseSpec({ umid: 'n1', runScript: '/srv/lab/test-init.sh' });
  const argv = render(spec);
  assert.ok(argv.includes('run_script=/srv/lab/test-init.sh'), argv.join(' '));
  assert.equal(parse(argv).runScript, '/srv/lab/test-init.sh');
  assert.deepEqual((await initView(argv)).errors, []);
  for (const bad of ['run_script=rel/x.sh', 'run_script=/a/../x.sh', 'run_script=/dir/', 'run_script'])
    assert.match(
      (await initView([bad])).errors.join('\n'),
      /bad parameter run_script=.*: expected an absolute host path/,
      bad,
    );
});
