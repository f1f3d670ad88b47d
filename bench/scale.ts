// bench/scale: how many nodes form a converged mesh on this machine. Grids of growing size
// (sparse: 2-4 links per node) or tori (the grid wrapped: 4 links per node, half the
// diameter), hostfs root at mem=24M; the link backend, OGM interval, algorithm and shape are
// options (defaults: socketpair links, 5000 ms, BATMAN_IV, grid). batman-adv IV's hop penalty
// leaves no TQ after ~32 hops, so a grid of 300 nodes or more (diameter ≥ 33) never has every
// route whatever the CPU: beyond 200 nodes the torus is what measures capacity. Per step: spawn
// of the first node → every node has a fresh route to every other; then host CPU over 10 s
// of the converged mesh (from /proc/stat: load average misleads). The step that does not
// converge in time ends the run.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Mesh, grid, heardRecently, torus } from '../lib/mesh/index.ts';
import { batctlJson } from '../lib/runner/index.ts';
import { realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { printResults } from './report.ts';

export interface ScaleConfig {
  backend: 'bridge' | 'socketpair';
  origInterval: number;
  algorithm: 'BATMAN_IV' | 'BATMAN_V';
  shape: 'grid' | 'torus';
}
export const defaultScaleConfig: ScaleConfig = {
  backend: 'socketpair',
  origInterval: 5000,
  algorithm: 'BATMAN_IV',
  shape: 'grid',
};
const NODE_MEM = '24M';
/** rows × cols per step. */
export const fullSteps: [number, number][] = [
  [2, 5],
  [5, 5],
  [5, 10],
  [10, 10],
  [10, 15],
  [10, 20],
  [15, 20],
  [20, 20],
  [20, 25],
];
export const quickSteps: [number, number][] = [
  [2, 5],
  [5, 5],
  [5, 10],
];

/** Busy and total jiffies of all CPUs. */
async function cpuTimes(): Promise<[number, number]> {
  const [, ...fields] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = fields[3] + fields[4];
  const total = fields.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

/** Nodes whose fresh originators are all the others (one batctl call per node, a few at a time). */
async function convergedCount(mesh: Mesh): Promise<number> {
  const names = [...mesh.nodes.keys()];
  const fresh = heardRecently(mesh.topology.origInterval);
  let done = 0;
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      const origs = await batctlJson<{ best?: boolean; last_seen_msecs: number }[]>(
        mesh.node(name),
        'originators_json',
      ).catch(() => []);
      if (origs.filter((o) => o.best && fresh(o)).length >= names.length - 1) done++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return done;
}

export interface ScaleStep {
  nodes: number;
  started_s: number;
  converged_s: number | null;
  cpu_percent: number | null;
  links: number;
  /** Why the mesh did not come up (a node not ready in time on a saturated machine). */
  error?: string;
}

/** The mesh being measured, so that ctrl-c can still stop it. */
let current: Mesh | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function step(
  paths: { kernel: string; image: string },
  rows: number,
  cols: number,
  config: ScaleConfig,
): Promise<ScaleStep> {
  const n = rows * cols;
  const t0 = performance.now();
  const shape = config.shape === 'torus' ? torus : grid;
  const topology = { ...shape(rows, cols), origInterval: config.origInterval, routingAlgo: config.algorithm };
  const mesh = (current = await Mesh.start(topology, {
    ...paths,
    rootfs: 'hostfs',
    mem: NODE_MEM,
    parallel: 4,
    backend: config.backend,
  }));
  try {
    const started = (performance.now() - t0) / 1000;
    const deadline = performance.now() + 60_000 + n * 1000 + 20 * config.origInterval;
    let convergedAt: number | null = null;
    while (performance.now() < deadline) {
      if ((await convergedCount(mesh)) === n) {
        convergedAt = (performance.now() - t0) / 1000;
        break;
      }
      await sleep(500);
    }
    let cpu: number | null = null;
    if (convergedAt !== null) {
      const [busy0, total0] = await cpuTimes();
      await sleep(10_000);
      const [busy1, total1] = await cpuTimes();
      cpu = (100 * (busy1 - busy0)) / (total1 - total0);
    }
    return {
      nodes: n,
      started_s: started,
      converged_s: convergedAt,
      cpu_percent: cpu,
      links: mesh.topology.links.length,
    };
  } finally {
    await mesh.stop();
    current = undefined;
  }
}

export async function benchScale(
  steps: [number, number][],
  config = defaultScaleConfig,
): Promise<{ summary: Record<string, number | string>; steps: ScaleStep[] }> {
  const {
    paths: [kernel, guest],
  } = await realiseAll([await linuxV15(), await image()], { report: silentReporter });
  const paths = { kernel, image: guest };
  const results: ScaleStep[] = [];
  for (const [rows, cols] of steps) {
    // A mesh that cannot even start at this size is this step's answer, not the bench's end.
    const result = await step(paths, rows, cols, config).catch((e: Error): ScaleStep => ({
      nodes: rows * cols,
      started_s: NaN,
      converged_s: null,
      cpu_percent: null,
      links: 0,
      error: e.message.split('\n')[0],
    }));
    results.push(result);
    const shape = `${String(result.nodes).padStart(4)} nodes (${rows}×${cols} ${config.shape}`;
    console.log(
      result.error
        ? `  ${shape}): did NOT start: ${result.error}`
        : `  ${shape}, ${result.links} links): up in ${result.started_s.toFixed(1)} s, ` +
            (result.converged_s === null
              ? 'did NOT converge'
              : `converged ${result.converged_s.toFixed(1)} s, CPU ${result.cpu_percent!.toFixed(0)} % of ${availableParallelism()} cores`),
    );
    if (result.converged_s === null) break;
  }
  const converged = results.filter((r) => r.converged_s !== null);
  return {
    summary: {
      backend: config.backend,
      algorithm: config.algorithm,
      orig_interval_ms: config.origInterval,
      topology: config.shape,
      node_mem: `hostfs ${NODE_MEM}`,
      max_converged_nodes: converged.length ? Math.max(...converged.map((r) => r.nodes)) : 0,
      ...Object.fromEntries(
        converged.flatMap((r) => [
          [`converged_${r.nodes}_s`, r.converged_s!],
          [`cpu_${r.nodes}_percent`, r.cpu_percent!],
        ]),
      ),
    },
    steps: results,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      backend: { type: 'string' },
      interval: { type: 'string' },
      algorithm: { type: 'string' },
      shape: { type: 'string' },
      from: { type: 'string' }, // the first size to run: skips the smaller steps
    },
  });
  const config: ScaleConfig = {
    backend: (values.backend ?? defaultScaleConfig.backend) as ScaleConfig['backend'],
    origInterval: Number(values.interval ?? defaultScaleConfig.origInterval),
    algorithm: (values.algorithm ?? defaultScaleConfig.algorithm) as ScaleConfig['algorithm'],
    shape: (values.shape ?? defaultScaleConfig.shape) as ScaleConfig['shape'],
  };
  if (!['grid', 'torus'].includes(config.shape)) throw new Error(`--shape ${values.shape}: expected grid or torus`);
  const from = Number(values.from ?? 0);
  if (!Number.isInteger(from) || from < 0) throw new Error(`--from ${values.from}: not a node count`);
  const sizes = (values.quick ? quickSteps : fullSteps).filter(([rows, cols]) => rows * cols >= from);
  const { summary, steps } = await benchScale(sizes, config);
  printResults('scale', summary, {});
  console.log(JSON.stringify({ bench: 'scale-steps', steps }));
}
