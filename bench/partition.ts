// bench/partition: what a link between hosts costs. batman-adv's throughput meter (batctl tp,
// bat0 to bat0) between two nodes over a socketpair link (one host) and over an L2TPv3/UDP
// link (two partitions: hosts 127.0.0.1 and 127.0.0.2 on this machine's loopback, each a Mesh
// of its own), alternated in one run: socketpair, UDP, socketpair, UDP (this machine is noisy).
// Writes bench/partition.json.
//   npx tsx bench/partition.ts [--rounds 2]      (BATU_BENCH_SECONDS: seconds per measurement)
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Mesh, type TopologyInput } from '../lib/mesh/index.ts';
import { onLoopbackHosts, pair, startPartitions, tp } from './tp.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const seconds = Number(process.env.BATU_BENCH_SECONDS ?? 8);

/** Links at 1560: bat0 keeps 1500 without fragmenting (as bench/throughput's batctl tp). */
const onePair: TopologyInput = { ...pair, linkMtu: 1560 };
const placed = onLoopbackHosts(onePair, 17_100);

async function measure(paths: { kernel: string; image: string }, across: boolean): Promise<number> {
  const meshes = across
    ? await startPartitions(placed, paths)
    : [await Mesh.start(onePair, { ...paths, backend: 'socketpair' })];
  try {
    return await tp(meshes, seconds);
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
