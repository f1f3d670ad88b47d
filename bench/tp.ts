// batman-adv's own throughput meter (batctl tp, bat0 to bat0) between two nodes a and b, on
// one host or across two partitions on this machine's loopback: shared by bench/throughput
// and bench/partition.
import { Mesh, nodeMac, observe, type MeshOptions, type TopologyInput } from '../lib/mesh/index.ts';
import { batctl } from '../lib/runner/index.ts';

export const pair: TopologyInput = { nodes: [{ name: 'a' }, { name: 'b' }], links: [['a', 'b']], origInterval: 200 };

/** The topology's a and b on two hosts, 127.0.0.1 and 127.0.0.2: its one link is L2TPv3/UDP. */
export const onLoopbackHosts = (topology: TopologyInput, basePort: number): TopologyInput => ({
  ...topology,
  nodes: [
    { name: 'a', host: 'ha' },
    { name: 'b', host: 'hb' },
  ],
  hosts: [
    { name: 'ha', address: '127.0.0.1' },
    { name: 'hb', address: '127.0.0.2' },
  ],
  basePort,
});

/** Each partition of a placed topology, a Mesh of its own (socketpair backend). */
export async function startPartitions(placed: TopologyInput, options: MeshOptions): Promise<Mesh[]> {
  const meshes: Mesh[] = [];
  try {
    for (const partition of ['ha', 'hb'])
      meshes.push(await Mesh.start(placed, { ...options, backend: 'socketpair', partition }));
    return meshes;
  } catch (error) {
    for (const mesh of meshes) await mesh.stop();
    throw error;
  }
}

/** batctl tp from a to b (their originator addresses) once a has a route to b, Gbit/s. */
export async function tp(meshes: Mesh[], seconds: number): Promise<number> {
  const a = meshes.find((m) => m.nodes.has('a'))!;
  const hasRoute = async () => (await observe(a)).some((v) => v.name === 'a' && v.originators.b);
  for (let i = 0; i < 150 && !(await hasRoute()); i++) await new Promise((r) => setTimeout(r, 200));
  const out = await batctl(a.node('a'), ['tp', '-t', String(seconds * 1000), nodeMac(2, 2, 0)]);
  const [, value, unit] = /\(([\d.]+) ([KMG])bps\)/.exec(out) ?? [];
  if (!value) throw new Error(`batctl tp gave no throughput: ${out}`);
  return (Number(value) * { K: 1e3, M: 1e6, G: 1e9 }[unit as 'K' | 'M' | 'G']) / 1e9;
}
