// bench/partition: what a link between hosts costs. batman-adv's throughput meter (batctl tp,
// bat0 to bat0) between two nodes over a socketpair link (one host) and over an L2TPv3/UDP
// link (two partitions: hosts 127.0.0.1 and 127.0.0.2 on this machine's loopback, each a Mesh
// of its own), alternated in one run: socketpair, UDP, socketpair, UDP (this machine is noisy).
// Writes bench/partition.json.
//   npx tsx bench/partition.ts [--rounds 2]      (BATU_BENCH_SECONDS: seconds per measurement)
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Mesh, nodeMac, observe, type TopologyInput } from '../lib/mesh/index.ts';
import { batctl } from '../lib/runner/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const seconds = Number(process.env.BATU_BENCH_SECONDS ?? 8);

/** Links at 1560: bat0 keeps 1500 without fragmenting (as bench/throughput's batctl tp). */
const pair: TopologyInput = {
  nodes: [{ name: 'a' }, { name: 'b' }],
  links: [['a', 'b']],
  origInterval: 200,
  linkMtu: 1560,
};
const placed: TopologyInput = {
  ...pair,
  nodes: [
    { name: 'a', host: 'ha' },
    { name: 'b', host: 'hb' },
  ],
  hosts: [
    { name: 'ha', address: '127.0.0.1' },
    { name: 'hb', address: '127.0.0.2' },
  ],
  basePort: 17_100,
};

/** batctl tp from a to b once a has a route to b; Gbit/s. */
async function tp(meshes: Mesh[]): Promise<number> {
  const a = meshes.find((m) => m.nodes.has('a'))!;
  const hasRoute = async () => (await observe(a)).some((v) => v.name === 'a' && v.originators.b);
  for (let i = 0; i < 150 && !(await hasRoute()); i++) await new Promise((r) => setTimeout(r, 200));
  const out = await batctl(a.node('a'), ['tp', '-t', String(seconds * 1000), nodeMac(2, 2, 0)]);
  const [, value, unit] = /\(([\d.]+) ([KMG])bps\)/.exec(out) ?? [];
  if (!value) throw new Error(`batctl tp gave no throughput: ${out}`);
  return (Number(value) * { K: 1e3, M: 1e6, G: 1e9 }[unit as 'K' | 'M' | 'G']) / 1e9;
}

async function measure(paths: { kernel: string; image: string }, across: boolean): Promise<number> {
  const meshes: Mesh[] = [];
  try {
    if (across)
      for (const partition of ['ha', 'hb'])
        meshes.push(await Mesh.start(placed, { ...paths, backend: 'socketpair', partition }));
    else meshes.push(await Mesh.start(pair, { ...paths, backend: 'socketpair' }));
    return await tp(meshes);
  } finally {
    for (const mesh of meshes) await mesh.stop();
  }
}

const {
  paths: [kernel, guest],
} = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
const paths = { kernel, image: guest };
const socketpair: number[] = [];
const udp: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  socketpair.push(await measure(paths, false));
  udp.push(await measure(paths, true));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const results = {
  seconds_per_run: seconds,
  rounds: socketpair.length,
  socketpair_gbit: mean(socketpair),
  l2tpv3_udp_gbit: mean(udp),
  udp_to_socketpair_ratio: mean(udp) / mean(socketpair),
  socketpair_runs: socketpair.map((x) => x.toFixed(3)).join(' '),
  l2tpv3_udp_runs: udp.map((x) => x.toFixed(3)).join(' '),
};
printResults('partition', results);
const date = new Date().toISOString().slice(0, 10);
await writeFile(new URL('partition.json', import.meta.url), `${JSON.stringify({ date, ...results }, null, 2)}\n`);
