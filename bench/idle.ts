// bench/idle: what an idle node costs the host — CPU (% of a core) and wake-ups (context
// switches of its process group) per second — for batu's default kernel and for the same
// kernel with upstream's batman-adv unchanged (linux-v15 --variant stock), side by side:
// meshes of N nodes in a line (alfred on, OGM every second), converged, then measured over a
// window, the two kernels alternated for `rounds` rounds.
//
//   npx tsx bench/idle.ts [--nodes 10] [--seconds 30] [--rounds 2]
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Mesh, converged, line, waitForRoutes } from '../lib/mesh/index.ts';
import { usageOver } from '../lib/process/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15, linuxV15Stock } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

interface IdleRound {
  kernel: 'default' | 'stock';
  cpu_percent_per_node: number;
  wakeups_per_node_s: number;
}

const SETTLE_MS = 5_000; // after convergence: boot work and the first tables are done

async function measure(kernel: string, guest: string, nodes: number, seconds: number) {
  const mesh = await Mesh.start({ ...line(nodes), origInterval: 1000 }, { kernel, image: guest, parallel: 4 });
  try {
    if (!converged(await waitForRoutes(mesh, 60_000 + nodes * 2000)))
      throw new Error(`${nodes} nodes did not converge`);
    await sleep(SETTLE_MS);
    const pids = [...mesh.nodes.values()].map((n) => n.pid);
    const rates = await usageOver(pids, seconds);
    const mean = (f: (r: (typeof rates)[number]) => number) => rates.reduce((a, r) => a + f(r), 0) / rates.length;
    return { cpu: mean((r) => r.cpuPercent), wakeups: mean((r) => r.wakeupsPerSecond) };
  } finally {
    await mesh.stop();
  }
}

export async function benchIdle({ nodes = 10, seconds = 30, rounds = 2 } = {}) {
  const {
    paths: [ours, stock, guest],
  } = await realiseAll([await linuxV15(), await linuxV15Stock(), await image()], { report: silentReporter });
  const results: IdleRound[] = [];
  for (let r = 0; r < rounds; r++)
    for (const [name, kernel] of [
      ['stock', stock],
      ['default', ours],
    ] as const) {
      const { cpu, wakeups } = await measure(kernel, guest, nodes, seconds);
      results.push({ kernel: name, cpu_percent_per_node: cpu, wakeups_per_node_s: wakeups });
      console.log(
        `  ${name.padEnd(8)} ${nodes} nodes: ${cpu.toFixed(3)} % of a core, ${wakeups.toFixed(0)} wake-ups/s per node`,
      );
    }
  const mean = (kernel: IdleRound['kernel'], key: 'cpu_percent_per_node' | 'wakeups_per_node_s') => {
    const of = results.filter((r) => r.kernel === kernel);
    return of.reduce((a, r) => a + r[key], 0) / of.length;
  };
  return {
    summary: {
      nodes,
      window_s: seconds,
      rounds,
      cpu_percent_per_node: mean('default', 'cpu_percent_per_node'),
      wakeups_per_node_s: mean('default', 'wakeups_per_node_s'),
      stock_cpu_percent_per_node: mean('stock', 'cpu_percent_per_node'),
      stock_wakeups_per_node_s: mean('stock', 'wakeups_per_node_s'),
      cpu_ratio_stock_to_default: mean('stock', 'cpu_percent_per_node') / mean('default', 'cpu_percent_per_node'),
    },
    rounds: results,
  };
}

export const idleGoals = { cpu_percent_per_node: 0.25, wakeups_per_node_s: 60 };

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { nodes: { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' } },
  });
  const { summary, rounds } = await benchIdle({
    nodes: Number(values.nodes ?? 10),
    seconds: Number(values.seconds ?? 30),
    rounds: Number(values.rounds ?? 2),
  });
  printResults('idle', summary, idleGoals);
  console.log(JSON.stringify({ bench: 'idle-rounds', rounds }));
}
