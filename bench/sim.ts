// bench/sim: meshes in simulated time (lib/sim), by size. Per size: a grid (one node for
// size 1; hostfs, mem=32M, OGM interval 1 s) booted under the calendar, run until every node
// has a fresh route to every other (observed every 5 simulated seconds), then left idle for
// --idle simulated seconds. Reported: wall/simulated time while idle (and its inverse, the
// speed-up over real time), calendar turns per wall second, calendar messages per node and
// simulated second, simulated and wall time to converge (checked every --step simulated
// seconds from --from on), and memory per node (MemAvailable before and after). --hour adds
// the 10-node mesh idle for one simulated hour. Progress goes to stderr. Rows replace those of
// the same size in bench/sim.json; bench/sim.svg is drawn from them all.
// --kernel stock: the kernel with upstream's batman-adv unchanged (rows marked so), to
// compare with batu's default (whose idle nodes sleep: recipes/batman-adv/idle).
//   npx tsx bench/sim.ts [--sizes 1,10,50,100,200,500] [--idle 60] [--step 5] [--from 5] [--hour] [--kernel stock]
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { converged, grid, observe, torus, type TopologyInput } from '../lib/mesh/index.ts';
import { NS_PER_S, SimMesh } from '../lib/sim/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15, linuxV15Stock } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { lineChart } from './svg.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,10,50,100' },
    idle: { type: 'string', default: '60' },
    /** Simulated seconds between convergence checks (each asks every node three things). */
    step: { type: 'string', default: '5' },
    /** Simulated second of the first check: a big mesh cannot converge before its TQ windows fill. */
    from: { type: 'string' },
    /**
     * grid, or torus (the grid wrapped: half the diameter). batman-adv IV's hop penalty (30 of
     * 255 per hop) takes a route's TQ to 0 after 32 hops, so a 20x25 grid (43 hops across)
     * never has every route; its torus (22 hops) can.
     */
    shape: { type: 'string', default: 'grid' },
    hour: { type: 'boolean' },
    kernel: { type: 'string', default: 'default' },
    json: { type: 'boolean' },
  },
});

export interface SimRow {
  /** When it was measured; rows without one were measured on the file's date. */
  date?: string;
  nodes: number;
  /** grid (the default; rows written before there was a choice have none) or torus. */
  shape?: string;
  /** 'stock': upstream's batman-adv; none: batu's default kernel of the row's date. */
  kernel?: 'stock';
  idle_sim_s: number;
  idle_wall_s: number;
  /** Simulated seconds per wall second while idle: > 1 is faster than real time. */
  speedup: number;
  wall_per_sim: number;
  turns_per_wall_s: number;
  messages_per_node_sim_s: number;
  boot_wall_s: number;
  converge_sim_s: number | null;
  converge_wall_s: number;
  mem_mib_per_node: number;
}

const progress = (what: string, since: number) =>
  process.stderr.write(`${what} (${((performance.now() - since) / 1000).toFixed(0)} s wall)\n`);

const memAvailableMiB = async () =>
  Number(/MemAvailable:\s+(\d+)/.exec(await readFile('/proc/meminfo', 'utf8'))![1]) / 1024;

/** A near-square grid (or torus) of n nodes (n = rows × cols), or one node alone. */
function topologyOf(n: number): TopologyInput {
  if (n === 1) return { nodes: [{ name: 'n1' }] };
  let rows = Math.floor(Math.sqrt(n));
  while (n % rows) rows--;
  if (values.shape === 'torus') return torus(rows, n / rows);
  if (values.shape !== 'grid') throw new Error(`bad --shape ${values.shape}: expected grid or torus`);
  return grid(rows, n / rows);
}

async function benchSize(paths: { kernel: string; image: string }, n: number, idleS: number): Promise<SimRow> {
  const memBefore = await memAvailableMiB();
  const started = performance.now();
  const sim = await SimMesh.start(topologyOf(n), { ...paths, seed: 1, rootfs: 'hostfs', mem: '32M' });
  try {
    const booted = performance.now();
    progress(`${n} nodes: started`, started);
    let convergedAt: bigint | null = null;
    // Converged: observed every --step s of simulated time, at most 10 minutes of it.
    const step = BigInt(values.step!);
    for (let t = BigInt(values.from ?? step); t <= 600n && n > 1; t += step) {
      await sim.advance(t * NS_PER_S);
      const views = await sim.during(observe(sim));
      const missing = views.reduce((sum, v) => sum + n - 1 - Object.keys(v.originators).length, 0);
      progress(`${n} nodes: at ${t} s simulated, ${missing} routes missing`, started);
      if (converged(views)) {
        convergedAt = sim.now;
        break;
      }
    }
    const convergedWall = performance.now();
    const mem = (memBefore - (await memAvailableMiB())) / n;
    const from = sim.calendar.stats;
    const idleStart = performance.now();
    await sim.advance(sim.now + BigInt(idleS) * NS_PER_S);
    const wall = (performance.now() - idleStart) / 1000;
    const to = sim.calendar.stats;
    const simS = Number(to.now - from.now) / 1e9;
    return {
      date: new Date().toISOString().slice(0, 10),
      nodes: n,
      ...(values.shape === 'grid' ? {} : { shape: values.shape }),
      idle_sim_s: Math.round(simS),
      idle_wall_s: Number(wall.toFixed(2)),
      speedup: Number((simS / wall).toFixed(2)),
      wall_per_sim: Number((wall / simS).toFixed(4)),
      turns_per_wall_s: Math.round(Number(to.turns - from.turns) / wall),
      messages_per_node_sim_s: Math.round(Number(to.messages - from.messages) / n / simS),
      boot_wall_s: Number(((booted - started) / 1000).toFixed(2)),
      converge_sim_s: convergedAt === null ? null : Number(convergedAt / NS_PER_S),
      converge_wall_s: Number(((convergedWall - booted) / 1000).toFixed(1)),
      mem_mib_per_node: Number(mem.toFixed(1)),
    };
  } finally {
    await sim.stop();
  }
}

if (!['default', 'stock'].includes(values.kernel!))
  throw new Error(`--kernel: expected default or stock, got ${JSON.stringify(values.kernel)}`);
const stock = values.kernel === 'stock';
const { paths } = await realiseAll([await (stock ? linuxV15Stock : linuxV15)(), await image()], {
  report: silentReporter,
});
const [kernel, img] = paths;
const rows: SimRow[] = [];
for (const n of values.sizes!.split(',').map(Number)) {
  const row = {
    ...(await benchSize({ kernel, image: img }, n, Number(values.idle))),
    ...(stock ? { kernel: 'stock' as const } : {}),
  };
  rows.push(row);
  console.log(JSON.stringify({ bench: 'sim', ...row }));
}
const hour = values.hour ? await benchSize({ kernel, image: img }, 10, 3600) : undefined;
if (hour) console.log(JSON.stringify({ bench: 'sim-hour', ...hour }));

const header = [
  'nodes',
  'speed-up (sim/wall)',
  'turns/wall s',
  'msgs/node/sim s',
  'boot wall s',
  'converged at sim s (wall s)',
  'MiB/node',
];
const table = [...rows, ...(hour ? [{ ...hour, nodes: `10, 1 h` as unknown as number }] : [])].map((r) => [
  `${r.nodes}${r.shape ? ` (${r.shape})` : ''}${r.kernel ? `, ${r.kernel}` : ''}`,
  `${r.speedup}× (${r.idle_sim_s} s in ${r.idle_wall_s} s)`,
  String(r.turns_per_wall_s),
  String(r.messages_per_node_sim_s),
  String(r.boot_wall_s),
  r.converge_sim_s === null ? '-' : `${r.converge_sim_s} (${r.converge_wall_s})`,
  String(r.mem_mib_per_node),
]);
console.log([header, ...table].map((r) => `| ${r.join(' | ')} |`).join('\n'));
const file = new URL('sim.json', import.meta.url);
const before = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as {
  date?: string;
  rows?: SimRow[];
  hour?: SimRow;
};
// The file's date is its first run's: the rows without one of their own were measured then.
const date = before.date ?? new Date().toISOString().slice(0, 10);
const same = (a: SimRow, b: SimRow) =>
  a.nodes === b.nodes && (a.shape ?? 'grid') === (b.shape ?? 'grid') && a.kernel === b.kernel;
const all = [...(before.rows ?? []).filter((r) => !rows.some((m) => same(m, r))), ...rows].sort(
  (a, b) => a.nodes - b.nodes,
);
await writeFile(file, `${JSON.stringify({ date, rows: all, hour: hour ?? before.hour }, null, 2)}\n`);
await writeFile(
  new URL('sim.svg', import.meta.url),
  lineChart(
    'Simulated time: speed-up over real time while idle, by mesh size',
    'nodes',
    'simulated s per wall s',
    all.filter((r) => !r.shape && !r.kernel).map((r) => [r.nodes, r.speedup]),
  ),
);
