// bench/throughput: iperf3 TCP between two hosts behind two mesh nodes (client ns → node A's
// bat0 → the mesh link → node B's bat0 → server ns), against iperf3 between two
// veth-connected namespaces, measured side by side in one run (this machine is noisy).
// Also batman-adv's own throughput meter (batctl tp: bat0 to bat0, no host hop, no TCP)
// over both link backends, and with --variants the offload and jumbo options.
import { Mesh, converged, nodeMac, observe, type MeshOptions, type TopologyInput } from '../lib/mesh/index.ts';
import { Netns, batctl } from '../lib/runner/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { moduleKernel } from '../recipes/linux/kernel.ts';
import { patchedBatmanAdv } from '../recipes/linux/patched-batman-adv.ts';
import { image } from '../recipes/image.ts';
import { printResults, type Goal } from './report.ts';

/** The goal, bat0 at 1500 against the host's veth: met or not, by the default path and by the offload option. */
export const throughputGoals: Record<string, Goal> = {
  throughput_ratio: { atLeast: 0.2 },
  offload_ratio: { atLeast: 0.2 },
};

const seconds = () => Number(process.env.BATU_BENCH_SECONDS ?? 8);

async function iperf(client: Netns, server: Netns, serverIp: string): Promise<number> {
  const daemon = server.spawn('iperf3', ['-s', '-1']);
  await new Promise((r) => setTimeout(r, 500));
  try {
    const { stdout } = await client.exec('iperf3', ['-c', serverIp, '-t', String(seconds()), '-J'], { reject: false });
    const result = JSON.parse(stdout) as { error?: string; end?: { sum_received?: { bits_per_second: number } } };
    if (!result.end?.sum_received) throw new Error(`iperf3 to ${serverIp}: ${result.error ?? 'no result'}`);
    return result.end.sum_received.bits_per_second / 1e9;
  } finally {
    daemon.kill();
    await daemon;
  }
}

async function vethBaseline(): Promise<number> {
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

export async function overMesh(
  paths: { kernel: string; image: string },
  extra: Partial<TopologyInput>,
): Promise<number> {
  const mesh = await Mesh.start({ nodes: [{ name: 'a' }, { name: 'b' }], links: [['a', 'b']], ...extra }, paths);
  try {
    const client = await mesh.client('a', '10.99.0.1/24');
    const server = await mesh.client('b', '10.99.0.2/24');
    let reached = false;
    for (let i = 0; i < 100 && !reached; i++)
      reached = (await client.exec('ping', ['-c', '1', '-W', '1', '10.99.0.2'], { reject: false })).exitCode === 0;
    if (!reached) throw new Error('the server behind node b is not reachable through the mesh');
    return await iperf(client, server, '10.99.0.2');
  } finally {
    await mesh.stop();
  }
}

/** batctl tp from a to b (their originator addresses), Gbit/s. */
export async function meshTp(
  paths: { kernel: string; image: string },
  backend: MeshOptions['backend'],
  extra: Partial<TopologyInput> = {},
): Promise<number> {
  const mesh = await Mesh.start(
    { nodes: [{ name: 'a' }, { name: 'b' }], links: [['a', 'b']], origInterval: 200, ...extra },
    { ...paths, backend },
  );
  try {
    for (let i = 0; i < 100 && !converged(await observe(mesh)); i++) await new Promise((r) => setTimeout(r, 200));
    const out = await batctl(mesh.node('a'), ['tp', '-t', String(seconds() * 1000), nodeMac(2, 2, 0)]);
    const mbit = /\(([\d.]+) Mbps\)/.exec(out)?.[1];
    if (!mbit) throw new Error(`batctl tp gave no throughput: ${out}`);
    return Number(mbit) / 1000;
  } finally {
    await mesh.stop();
  }
}

/** The kernel and image of a batman-adv variant (recipes/linux/patched-batman-adv.ts): built only when asked for. */
async function variantPaths(variant: 'jumbo' | 'offload'): Promise<{ kernel: string; image: string }> {
  const { image: variantImage } = await patchedBatmanAdv(variant);
  const {
    paths: [kernel, image],
  } = await realiseAll([await moduleKernel('6.12'), variantImage], { report: silentReporter });
  return { kernel, image };
}

/** The jumbo option: bat0 at 15900 over 16000-byte links, fragmentation off. */
async function jumbo(linkDriver: 'vector' | 'socketpair'): Promise<number> {
  return overMesh(await variantPaths('jumbo'), {
    linkDriver,
    linkMtu: 16000,
    bat0Driver: 'vector',
    bat0Mtu: 15900,
    meshSettings: { fragmentation: 0 },
  });
}

/** The offload option: bat0 at 1500 with TSO, GSO packets whole over socketpair links with virtio-net headers. */
async function offload(): Promise<number> {
  return overMesh(await variantPaths('offload'), { offload: true });
}

/** withVariants: also the jumbo and offload options (each a kernel and module build when not cached). */
export async function benchThroughput({ withVariants = false } = {}): Promise<Record<string, number>> {
  const {
    paths: [kernel, guest],
  } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  const paths = { kernel, image: guest };
  const veth = await vethBaseline();
  const vector1560 = await overMesh(paths, { linkDriver: 'vector', linkMtu: 1560 });
  const socketpair1560 = await overMesh(paths, { linkDriver: 'socketpair', linkMtu: 1560 });
  const tuntap = await overMesh(paths, { linkDriver: 'tuntap' });
  const vector1500 = await overMesh(paths, { linkDriver: 'vector' });
  const tpBridge = await meshTp(paths, 'bridge', { linkMtu: 1560 });
  const tpSocketpair = await meshTp(paths, 'socketpair', { linkMtu: 1560 });
  const offloadGbit = withVariants ? await offload() : undefined;
  const jumboGbit = withVariants ? await jumbo('vector') : undefined;
  const jumboSocketpairGbit = withVariants ? await jumbo('socketpair') : undefined;
  const veth2 = await vethBaseline(); // again, to see how much the baseline drifted meanwhile
  const baseline = (veth + veth2) / 2;
  return {
    seconds_per_run: seconds(),
    host_veth_gbit: baseline,
    host_veth_drift: Math.abs(veth - veth2) / baseline,
    vector_tap_mtu1560_gbit: vector1560,
    socketpair_mtu1560_gbit: socketpair1560,
    legacy_tuntap_gbit: tuntap,
    vector_tap_mtu1500_gbit: vector1500,
    batctl_tp_bridge_mtu1560_gbit: tpBridge,
    batctl_tp_socketpair_mtu1560_gbit: tpSocketpair,
    ...(offloadGbit !== undefined ? { offload_mtu1500_gbit: offloadGbit, offload_ratio: offloadGbit / baseline } : {}),
    ...(jumboGbit !== undefined
      ? { jumbo_bat0_15900_gbit: jumboGbit, jumbo_socketpair_gbit: jumboSocketpairGbit! }
      : {}),
    throughput_gbit: vector1560,
    throughput_ratio: vector1560 / baseline,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults(
    'throughput',
    await benchThroughput({ withVariants: process.argv.includes('--variants') }),
    throughputGoals,
  );
}
