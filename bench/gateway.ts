// bench/gateway: a laptop's TCP to the internet (iperf3) through a router and a gateway over
// a tunnel, per fastd method and for WireGuard + VXLAN: batu's way (the router a batu node in
// gw_mode client behind Debian's fastd, or with WireGuard + VXLAN in its node; the gateway
// `batu gateway up`: fastd or WireGuard in its node, NAT) against the same tunnel without
// batman-adv (fastd's taps bridged straight to the laptop's LAN and to the gateway's client
// bridge; for WireGuard, which this host's kernel lacks, the same two nodes with their VXLANs
// bridged to those instead of given to batman-adv), the same NAT, rounds alternated side by
// side. Also host CPU per 1448 bytes received (all processes: /proc/stat), steadier than
// throughput on a shared machine. Every namespace is this bench's own and is removed.
//   npx tsx bench/gateway.ts [--methods null,salsa2012+umac,wireguard-vxlan] [--rounds 2] [--seconds 8]
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { realiseAll } from '../lib/derivations/index.ts';
import { wireguardKeys, wireguardPublicKey, wireguardVxlanUp } from '../lib/gateway/index.ts';
import { Netns, UmlNode, batctl, guestCommand, guestQuiet } from '../lib/runner/index.ts';
import { image } from '../recipes/image.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { fastdKeys, fastdPublicOf, until } from '../test/fixtures/gateway-helpers.ts';
import {
  dismantle,
  gatewayUp,
  handedTap,
  startRouter,
  startWireguardRouter,
  wire,
  type LabBed,
} from '../test/fixtures/gateway-lab.ts';
import { printResults, type Goal } from './report.ts';

const INTERNET = '198.51.100.1';
const LAPTOP = '10.101.1.50/20';
const CLIENT_GW = '10.101.0.1';

/** The goal: batu carries at least 0.8 of the bare tunnel's throughput. */
export const gatewayGoals = (methods: string[]): Record<string, Goal> =>
  Object.fromEntries(methods.map((m) => [`${m}_ratio`, { atLeast: 0.8 }]));

/** One topology: internet, gateway, router, laptop, each a namespace (and what to clean up). */
interface Lab extends LabBed {
  net: Netns;
  gw: Netns;
  r: Netns;
  laptop: Netns;
}

async function lab(): Promise<Lab> {
  const bed: LabBed = { namespaces: [], children: [], nodes: [] };
  try {
    for (let i = 0; i < 4; i++) bed.namespaces.push(await Netns.create('bt'));
    const [net, gw, r, laptop] = bed.namespaces;
    await wire(net, 'inet0', `${INTERNET}/24`, gw, 'eth0', '198.51.100.2/24');
    await gw.ip('route', 'add', 'default', 'via', INTERNET);
    await wire(gw, 'wan0', '192.0.2.1/24', r, 'wan0', '192.0.2.2/24');
    return { ...bed, net, gw, r, laptop };
  } catch (error) {
    await dismantle(bed);
    throw error;
  }
}

/**
 * The laptop on the router's LAN bridge, its address in the clients' prefix. Behind a bare
 * tunnel its MTU must be the tunnel's (a bridge drops what is larger); batman-adv fragments,
 * so behind batu it keeps 1500, as a Gluon router's clients do.
 */
async function laptopOn(l: Lab, lan: string, mtu = 1500): Promise<void> {
  await wire(l.r, 'rlap', undefined, l.laptop, 'lap0', LAPTOP);
  for (const [ns, end] of [
    [l.r, 'rlap'],
    [l.laptop, 'lap0'],
  ] as const)
    await ns.ip('link', 'set', end, 'mtu', String(mtu));
  await l.r.attach('rlap', lan);
  await l.laptop.ip('route', 'add', 'default', 'via', CLIENT_GW);
}

const WIREGUARD = 'wireguard-vxlan';
const VNI = 4242;

/** batu's way: `batu gateway up` with one tunnel of `method`, a batu router (fastd beside it, or WireGuard in it). */
async function batuLab(dir: string, method: string, paths: { kernel: string; image: string }): Promise<Lab> {
  const l = await lab();
  try {
    const wireguard = method === WIREGUARD ? wireguardKeys() : undefined;
    const fastd = wireguard ? undefined : await fastdKeys();
    const tunnel = wireguard
      ? `{ kind: ${WIREGUARD}, port: 10002, privateKeyFile: keys/wg.key, vni: ${VNI}, peers: [{ name: r, publicKey: "${wireguard.publicKey}" }] }`
      : `{ kind: fastd, port: 10001, secretKeyFile: keys/fastd.key, methods: [${JSON.stringify(method)}], mtu: 1406, peers: { directory: keys/peers } }`;
    const file = join(dir, 'gateway.yaml');
    await writeFile(
      file,
      `domains:
  - name: bench
    routingAlgo: BATMAN_IV
    originatorIntervalMs: 1000
    gateway: { down: 1gbit, up: 1gbit }
    tunnels:
      - ${tunnel}
    clients:
      ipv4: { address: ${CLIENT_GW}/20 }
    exit: { kind: nat, uplink: eth0 }
    respondd: { hostname: bench-gw, siteCode: bench }
`,
    );
    const batu = join(import.meta.dirname, '../bin/batu.ts');
    await execa(process.execPath, ['--import', 'tsx', batu, 'gateway', 'keys', file]);
    if (fastd) {
      await writeFile(join(dir, 'keys/peers/r'), `key "${fastd.public}";\n`, { mode: 0o644 });
      await chmod(join(dir, 'keys/peers/r'), 0o644);
    }
    const gateway = await gatewayUp(l.gw, file, { runDir: join(dir, 'run'), stateDir: join(dir, 'state') });
    l.children.push(gateway.child);
    if (!gateway.up) throw new Error(`gateway up failed:\n${gateway.log()}`);
    const r: { node: UmlNode; lan: string; fastd?: ResultPromise } = wireguard
      ? await startWireguardRouter(l.r, {
          n: 7,
          ...paths,
          privateKey: wireguard.privateKey,
          vni: VNI,
          gateways: [{ publicKey: await wireguardPublicOf(join(dir, 'keys/wg.key')), endpoint: '192.0.2.1:10002' }],
        })
      : await startRouter(l.r, {
          n: 7,
          dir,
          ...paths,
          secret: fastd!.secret,
          gateway: { publicKey: await fastdPublicOf(join(dir, 'keys/fastd.key')), remote: '192.0.2.1:10001' },
          method,
        });
    if (r.fastd) l.children.push(r.fastd);
    l.nodes.push(r.node);
    await until(
      'the router chooses the gateway',
      () => batctl(r.node, ['meshif', 'bat0', 'gwl']),
      (o) => /^\s*\*/m.test(o),
    );
    await laptopOn(l, r.lan);
    return l;
  } catch (error) {
    await dismantle(l);
    throw error;
  }
}

const wireguardPublicOf = async (file: string) => wireguardPublicKey(await readFile(file, 'utf8'));

/**
 * WireGuard + VXLAN bare: the same two nodes and tunnel (this host has no WireGuard), each
 * node's VXLAN bridged to its bat0 tap (bat0br) in place of batman-adv; the gateway's node's
 * tap in the client bridge, its UDP port forwarded to it, the same NAT.
 */
async function bareWireguardLab(paths: { kernel: string; image: string }): Promise<Lab> {
  const l = await lab();
  try {
    const [gwKeys, rKeys] = [wireguardKeys(), wireguardKeys()];
    await l.gw.addBridge('br-bare', `${CLIENT_GW}/20`);
    await l.gw.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await l.gw.exec('nft', ['-f', '-'], {
      input: [
        'table ip bench {',
        '  chain pre { type nat hook prerouting priority dstnat; udp dport 10002 dnat to 169.254.190.2; }',
        '  chain post { type nat hook postrouting priority srcnat; oifname "eth0" masquerade; }',
        '}',
        '',
      ].join('\n'),
    });
    const node = await startBareNode(l.gw, { n: 190, lan: 'br-bare', ...paths });
    l.nodes.push(node);
    await wireguardVxlanUp(node, {
      wg: 'wg-bare',
      vxlan: 'vx-bare',
      role: 'gateway',
      privateKey: gwKeys.privateKey,
      listenPort: 10002,
      vni: VNI,
      mtu: 1312,
      mac: '02:be:00:00:00:01',
      peers: [{ publicKey: rKeys.publicKey }],
    });
    await bridgeInsteadOfBatman(node, 'vx-bare');
    const r = await startWireguardRouter(l.r, {
      n: 8,
      ...paths,
      privateKey: rKeys.privateKey,
      vni: VNI,
      gateways: [{ publicKey: gwKeys.publicKey, endpoint: '192.0.2.1:10002' }],
    });
    l.nodes.push(r.node);
    await bridgeInsteadOfBatman(r.node, 'vx-gw1');
    await laptopOn(l, r.lan, 1312);
    return l;
  } catch (error) {
    await dismantle(l);
    throw error;
  }
}

/** A node with only its management link (169.254.N.2, the way out) and its bat0 tap in `lan`. */
async function startBareNode(ns: Netns, opts: { n: number; lan: string; kernel: string; image: string }) {
  const mgmt = `bm${opts.n}`;
  await ns.addBridge(mgmt, `169.254.${opts.n}.1/24`);
  const node = await UmlNode.start(
    {
      umid: `bt-bare-${opts.n}`,
      kernel: opts.kernel,
      image: opts.image,
      management: handedTap(3),
      bat0Tap: handedTap(4),
      serviceIp: `169.254.${opts.n}.2/24`,
      batctlWrapper: true,
      u9fs: true,
    },
    {
      netns: ns,
      user: { uid: 65534, gid: 65534 },
      tapFds: { 3: `gm${opts.n}`, 4: `gb${opts.n}` },
      attach: { [`gm${opts.n}`]: mgmt, [`gb${opts.n}`]: opts.lan },
    },
  );
  await guestQuiet(node, 'ip', ['route', 'replace', 'default', 'via', `169.254.${opts.n}.1`]);
  return node;
}

/** The VXLAN out of batman-adv and into the node's bat0 bridge, bat0 out of it: a plain L2 tunnel. */
async function bridgeInsteadOfBatman(node: UmlNode, vxlan: string): Promise<void> {
  // (batctl warns that bat0 has no hard interface left: that is the point)
  await guestCommand(node, 'batctl', ['meshif', 'bat0', 'interface', 'del', vxlan]);
  await guestQuiet(node, 'ip', ['link', 'set', 'bat0', 'nomaster']);
  await guestQuiet(node, 'ip', ['link', 'set', vxlan, 'master', 'bat0br', 'up']);
}

/** The same tunnel bare: fastd's taps bridged straight to the laptop and the client bridge. */
async function bareLab(dir: string, method: string, paths: { kernel: string; image: string }): Promise<Lab> {
  if (method === WIREGUARD) return bareWireguardLab(paths);
  const l = await lab();
  try {
    const [server, client] = [await fastdKeys(), await fastdKeys()];
    const fastdConf = (iface: string, secret: string, extra: string) =>
      `interface "${iface}";\nmode tap;\nmethod "${method}";\nsecret "${secret}";\nmtu 1406;\n${extra}log to stderr level warn;\n`;
    await writeFile(
      join(dir, 'bare-gw.conf'),
      fastdConf('fastd-bare', server.secret, `bind any port 10001;\npeer "r" {\n  key "${client.public}";\n}\n`),
    );
    await writeFile(
      join(dir, 'bare-r.conf'),
      fastdConf('fastd-r', client.secret, `peer "gw" {\n  key "${server.public}";\n  remote 192.0.2.1:10001;\n}\n`),
    );
    for (const [ns, conf] of [
      [l.gw, 'bare-gw.conf'],
      [l.r, 'bare-r.conf'],
    ] as const)
      l.children.push(execa('ip', ['netns', 'exec', ns.name, 'fastd', '-c', join(dir, conf)], { reject: false }));
    for (const [ns, tap] of [
      [l.gw, 'fastd-bare'],
      [l.r, 'fastd-r'],
    ] as const)
      await until(
        `${tap}`,
        () => ns.exec('ip', ['link', 'show', tap]),
        (x) => x.exitCode === 0,
        20_000,
      );
    await l.gw.addBridge('br-bare', `${CLIENT_GW}/20`);
    await l.gw.ip('link', 'set', 'fastd-bare', 'up');
    await l.gw.attach('fastd-bare', 'br-bare');
    await l.gw.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await l.gw.exec('nft', [
      'add table ip bench; add chain ip bench post { type nat hook postrouting priority srcnat; }; add rule ip bench post oifname "eth0" masquerade',
    ]);
    await l.r.addBridge('rlan');
    await l.r.ip('link', 'set', 'fastd-r', 'up');
    await l.r.attach('fastd-r', 'rlan');
    await laptopOn(l, 'rlan', 1406);
    return l;
  } catch (error) {
    await dismantle(l);
    throw error;
  }
}

/** Busy CPU seconds of the whole host so far (all CPUs, /proc/stat). */
async function busySeconds(): Promise<number> {
  const [cpu] = (await readFile('/proc/stat', 'utf8')).split('\n');
  const fields = cpu.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + fields[4];
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100; // USER_HZ
}

/** iperf3 from the laptop to the internet: Mbit/s, and host CPU µs per 1448 bytes received. */
async function iperf(l: Lab, seconds: number): Promise<{ mbit: number; usPerSegment: number }> {
  await until(
    'the laptop reaches the internet',
    () => l.laptop.exec('ping', ['-c', '1', '-W', '1', INTERNET], { reject: false }),
    (r) => r.exitCode === 0,
    60_000,
  );
  const server = l.net.spawn('iperf3', ['-s', '-1', '-B', INTERNET]);
  await sleep(500);
  try {
    const before = await busySeconds();
    const { stdout } = await l.laptop.exec('iperf3', ['-c', INTERNET, '-t', String(seconds), '-J'], { reject: false });
    const cpu = (await busySeconds()) - before;
    const result = JSON.parse(stdout) as {
      error?: string;
      end?: { sum_received?: { bits_per_second: number; bytes: number } };
    };
    const received = result.end?.sum_received;
    if (!received?.bytes) throw new Error(`iperf3 through ${l.gw.name}: ${result.error ?? 'nothing received'}`);
    // Per 1448 bytes of payload: the laptops' segments differ in size (MTU 1406 or 1500).
    return { mbit: received.bits_per_second / 1e6, usPerSegment: (cpu * 1e6) / (received.bytes / 1448) };
  } finally {
    server.kill();
    await server;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchGateway({
  methods = ['null', 'salsa2012+umac', WIREGUARD],
  rounds = 2,
  seconds = 8,
}: { methods?: string[]; rounds?: number; seconds?: number } = {}): Promise<Record<string, number | string>> {
  const {
    paths: [kernel, guest],
  } = await realiseAll([await linuxV15(), await image()]);
  const results: Record<string, number | string> = {};
  for (const method of methods) {
    const dir = join(tmpdir(), `batu-bench-gw-${process.pid}-${method.replace(/\W/g, '')}`);
    await mkdir(join(dir, 'bare'), { recursive: true });
    await mkdir(join(dir, 'batu'), { recursive: true });
    await chmod(dir, 0o755);
    await chmod(join(dir, 'batu'), 0o755); // fastd and the nodes run as nobody
    const labs: Lab[] = [];
    try {
      const bare = await bareLab(join(dir, 'bare'), method, { kernel, image: guest });
      labs.push(bare);
      const batu = await batuLab(join(dir, 'batu'), method, { kernel, image: guest });
      labs.push(batu);
      type Run = { mbit: number; usPerSegment: number };
      const measured = { bare: [] as Run[], batu: [] as Run[] };
      for (let round = 0; round < rounds; round++) {
        measured.bare.push(await iperf(bare, seconds));
        measured.batu.push(await iperf(batu, seconds));
      }
      const [bareMbit, batuMbit] = [measured.bare, measured.batu].map((m) => median(m.map((x) => x.mbit)));
      results[`${method}_bare_mbit`] = bareMbit;
      results[`${method}_batu_mbit`] = batuMbit;
      results[`${method}_ratio`] = batuMbit / bareMbit;
      results[`${method}_bare_us_per_segment`] = median(measured.bare.map((x) => x.usPerSegment));
      results[`${method}_batu_us_per_segment`] = median(measured.batu.map((x) => x.usPerSegment));
    } finally {
      for (const l of labs) await dismantle(l);
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { methods: { type: 'string' }, rounds: { type: 'string' }, seconds: { type: 'string' } },
  });
  const methods = values.methods?.split(',') ?? ['null', 'salsa2012+umac', WIREGUARD];
  const results = await benchGateway({
    methods,
    rounds: Number(values.rounds ?? 2),
    seconds: Number(values.seconds ?? 8),
  });
  printResults('gateway', results, gatewayGoals(methods));
}
