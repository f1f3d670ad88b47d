// bench/throughput: iperf3 TCP between two hosts behind two mesh nodes (client ns → node A's
// bat0 → the mesh link → node B's bat0 → server ns), against iperf3 between two
// veth-connected namespaces, measured side by side in one run (this machine is noisy). Next to
// each Gbit/s: CPU per 1448-byte segment, of the whole machine (every process on the path and
// the host kernel's softirqs) and of each node — steadier than Gbit/s on a shared machine.
// The paths: the default (offload, socketpair links), tap links, offload off, upstream's
// batman-adv (linux-v15 --variant stock), the legacy tuntap driver; batman-adv's own meter
// (batctl tp, bat0 to bat0) over tap and socketpair links and an L2TPv3 link between hosts
// (two partitions on loopback); with --variants the jumbo option.
//   npx tsx bench/throughput.ts [--variants]   (BATU_BENCH_SECONDS: seconds per measurement)
import { Mesh, type MeshOptions, type TopologyInput } from '../lib/mesh/index.ts';
import { Netns } from '../lib/runner/index.ts';
import { onLoopbackHosts, pair, startPartitions, tp } from './tp.ts';
import { groupUsage, machineBusySeconds } from '../lib/process/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15, linuxV15Stock } from '../recipes/linux-v15.ts';
import { moduleKernel } from '../recipes/linux/kernel.ts';
import { patchedBatmanAdv } from '../recipes/linux/patched-batman-adv.ts';
import { image } from '../recipes/image.ts';
import { printResults, type Goal } from './report.ts';

/** The goal, bat0 at 1500 against the host's veth, by the default path. */
export const throughputGoals: Record<string, Goal> = { throughput_ratio: { atLeast: 0.2 } };

const seconds = () => Number(process.env.BATU_BENCH_SECONDS ?? 8);
const SEGMENT = 1448; // TCP payload of a 1500-byte IPv4 packet with timestamps

interface Measured {
  gbit: number;
  /** Busy CPU of the whole machine per segment, µs. */
  us_per_segment: number;
  /** Each node's process group per segment, µs. */
  node_us_per_segment: number[];
}

type Paths = { kernel: string; image: string };

/** iperf3 from client to server; the machine's and the given process groups' CPU meanwhile. */
async function iperf(client: Netns, server: Netns, serverIp: string, groups: number[] = []): Promise<Measured> {
  const daemon = server.spawn('iperf3', ['-s', '-1']);
  await new Promise((r) => setTimeout(r, 500));
  try {
    const [busy, used] = [await machineBusySeconds(), await Promise.all(groups.map(groupUsage))];
    const { stdout } = await client.exec('iperf3', ['-c', serverIp, '-t', String(seconds()), '-J'], { reject: false });
    const [busyAfter, usedAfter] = [await machineBusySeconds(), await Promise.all(groups.map(groupUsage))];
    const result = JSON.parse(stdout) as {
      error?: string;
      end?: { sum_received?: { bits_per_second: number; bytes: number } };
    };
    const received = result.end?.sum_received;
    if (!received) throw new Error(`iperf3 to ${serverIp}: ${result.error ?? 'no result'}`);
    const perSegment = (cpuSeconds: number) => (cpuSeconds * 1e6) / (received.bytes / SEGMENT);
    return {
      gbit: received.bits_per_second / 1e9,
      us_per_segment: perSegment(busyAfter - busy),
      node_us_per_segment: used.map((u, i) => perSegment(usedAfter[i].cpuSeconds - u.cpuSeconds)),
    };
  } finally {
    daemon.kill();
    await daemon;
  }
}

async function vethBaseline(): Promise<Measured> {
  const [a, b] = [await Netns.create('bt'), await Netns.create('bt')];
  try {
    await a.ip('link', 'add', 'bt-va', 'type', 'veth', 'peer', 'name', 'bt-vb', 'netns', b.name);
    await a.ip('addr', 'add', '10.98.0.1/24', 'dev', 'bt-va');
    await b.ip('addr', 'add', '10.98.0.2/24', 'dev', 'bt-vb');
    await a.ip('link', 'set', 'bt-va', 'up');
    await b.ip('link', 'set', 'bt-vb', 'up');
    return await iperf(a, b, '10.98.0.2');
  } finally {
    await a.delete();
    await b.delete();
  }
}

export async function overMesh(paths: Paths, extra: Partial<TopologyInput>): Promise<Measured> {
  const mesh = await Mesh.start({ nodes: [{ name: 'a' }, { name: 'b' }], links: [['a', 'b']], ...extra }, paths);
  try {
    const client = await mesh.client('a', '10.99.0.1/24');
    const server = await mesh.client('b', '10.99.0.2/24');
    let reached = false;
    for (let i = 0; i < 100 && !reached; i++)
      reached = (await client.exec('ping', ['-c', '1', '-W', '1', '10.99.0.2'], { reject: false })).exitCode === 0;
    if (!reached) throw new Error('the server behind node b is not reachable through the mesh');
    return await iperf(client, server, '10.99.0.2', [mesh.node('a').pid, mesh.node('b').pid]);
  } finally {
    await mesh.stop();
  }
}

export async function meshTp(
  paths: Paths,
  backend: MeshOptions['backend'],
  extra: Partial<TopologyInput> = {},
): Promise<number> {
  const mesh = await Mesh.start({ ...pair, ...extra }, { ...paths, backend });
  try {
    return await tp([mesh], seconds());
  } finally {
    await mesh.stop();
  }
}

/** batctl tp over an L2TPv3/UDP link between two partitions (hosts 127.0.0.1 and .2 on loopback). */
async function acrossHostsTp(paths: Paths): Promise<number> {
  const meshes = await startPartitions(onLoopbackHosts(pair, 17_200), paths);
  try {
    return await tp(meshes, seconds());
  } finally {
    for (const mesh of meshes) await mesh.stop();
  }
}

/** The jumbo option: bat0 at 15900 over 16000-byte links, fragmentation off. */
async function jumbo(linkDriver: 'vector' | 'socketpair'): Promise<Measured> {
  const { image: jumboImage } = await patchedBatmanAdv('jumbo');
  const {
    paths: [kernel, guest],
  } = await realiseAll([await moduleKernel('6.12'), jumboImage], { report: silentReporter });
  return overMesh(
    { kernel, image: guest },
    { linkDriver, linkMtu: 16000, bat0Driver: 'vector', bat0Mtu: 15900, meshSettings: { fragmentation: 0 } },
  );
}

/** Each measured path flattened into the results: NAME_gbit, NAME_ratio, NAME_us_per_segment, NAME_node_us. */
function flatten(name: string, m: Measured, baseline: number): Record<string, number> {
  return {
    [`${name}_gbit`]: m.gbit,
    [`${name}_ratio`]: m.gbit / baseline,
    [`${name}_us_per_segment`]: m.us_per_segment,
    ...(m.node_us_per_segment.length
      ? { [`${name}_node_us`]: m.node_us_per_segment.reduce((a, b) => a + b, 0) / m.node_us_per_segment.length }
      : {}),
  };
}

/** withVariants: also the jumbo option (a module build when not cached). */
export async function benchThroughput({ withVariants = false } = {}): Promise<Record<string, number>> {
  const {
    paths: [kernel, guest, stockKernel],
  } = await realiseAll([await linuxV15(), await image(), await linuxV15Stock()], { report: silentReporter });
  const paths = { kernel, image: guest };
  const stock = { kernel: stockKernel, image: guest };
  const veth = await vethBaseline();
  const paths_: [string, Measured][] = [
    ['default', await overMesh(paths, {})], // offload, socketpair links
    ['default_tap_links', await overMesh(paths, { linkDriver: 'vector' })],
    ['offload_off', await overMesh(paths, { offload: false, linkMtu: 1560 })],
    ['stock', await overMesh(stock, { linkMtu: 1560 })],
    ['stock_socketpair', await overMesh(stock, { linkDriver: 'socketpair', linkMtu: 1560 })],
    ['stock_mtu1500', await overMesh(stock, {})],
    ['legacy_tuntap', await overMesh(paths, { linkDriver: 'tuntap' })],
    ...(withVariants
      ? ([
          ['jumbo', await jumbo('vector')],
          ['jumbo_socketpair', await jumbo('socketpair')],
        ] as [string, Measured][])
      : []),
  ];
  const tpBridge = await meshTp(paths, 'bridge');
  const tpSocketpair = await meshTp(paths, 'socketpair');
  const tpAcross = await acrossHostsTp(paths);
  const veth2 = await vethBaseline(); // again, to see how much the baseline drifted meanwhile
  const baseline = (veth.gbit + veth2.gbit) / 2;
  const main = paths_[0][1];
  return {
    seconds_per_run: seconds(),
    host_veth_gbit: baseline,
    host_veth_drift: Math.abs(veth.gbit - veth2.gbit) / baseline,
    host_veth_us_per_segment: (veth.us_per_segment + veth2.us_per_segment) / 2,
    ...Object.assign({}, ...paths_.map(([name, m]) => flatten(name, m, baseline))),
    batctl_tp_bridge_gbit: tpBridge,
    batctl_tp_socketpair_gbit: tpSocketpair,
    batctl_tp_l2tpv3_gbit: tpAcross,
    throughput_gbit: main.gbit,
    throughput_ratio: main.gbit / baseline,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults(
    'throughput',
    await benchThroughput({ withVariants: process.argv.includes('--variants') }),
    throughputGoals,
  );
}
