// bench/debug: what the debug kernel costs a batman-adv developer, side by side with the
// module kernel it is built from: one batman-adv tree (2026.2 from ../shared/fixtures, or
// --src) on a line of nodes, each kernel booted `rounds` times, alternated. Per kernel: start
// to every node ready, ready to converged, memory per node (PSS of its host processes, each
// address space once) and idle CPU per node (OGM every second). Not in `npm run bench`: the
// debug kernel is a build of its own (~25 minutes on 2 cores).
//   npx tsx bench/debug.ts [--nodes 3] [--rounds 2] [--seconds 20] [--src DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { realiseAll, stderrReporter } from '../lib/derivations/index.ts';
import { Mesh, converged, line, observe } from '../lib/mesh/index.ts';
import { usageOver } from '../lib/process/index.ts';
import { batmanAdvNode } from '../recipes/batman-adv.ts';
import { sharedFixture } from '../test/fixtures/shared-fixtures.ts';
import { nodePss } from './boot.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '20' },
    src: { type: 'string' },
  },
});
const nodes = Number(values.nodes);
const seconds = Number(values.seconds);

/** As `mesh up --debug` boots it: 192M (the debug image alone takes 76 MB of UML's memory). */
const variants = { plain: { debug: false, mem: undefined }, debug: { debug: true, mem: '192M' } } as const;
type Variant = keyof typeof variants;

async function round(paths: { kernel: string; image: string }, mem: string | undefined) {
  const start = Date.now();
  const mesh = await Mesh.start({ ...line(nodes), origInterval: 1000 }, { ...paths, mem });
  try {
    const ready = Date.now();
    for (const deadline = ready + 120_000; !converged(await observe(mesh)); await sleep(200))
      if (Date.now() > deadline) throw new Error(`${nodes} nodes on ${paths.kernel} did not converge in 120 s`);
    const convergedAt = Date.now();
    await sleep(5000); // boot work and the first tables are done
    const pids = [...mesh.nodes.values()].map((n) => n.pid);
    const cpu = (await usageOver(pids, seconds)).map((r) => r.cpuPercent);
    const pss = await Promise.all([...mesh.nodes.values()].map(nodePss));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      ready_s: (ready - start) / 1000,
      converge_s: (convergedAt - ready) / 1000,
      pss_mib_per_node: mean(pss),
      idle_cpu_percent_per_node: mean(cpu),
    };
  } finally {
    await mesh.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'bt-debug-bench-'));
try {
  let src = values.src;
  if (!src) {
    const tarball = sharedFixture('upstream/batman-adv-2026.2.tar.gz');
    if (!tarball) throw new Error('bench/debug needs ../shared/fixtures (batman-adv 2026.2) or --src DIR');
    await execa('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
    src = dir;
  }
  const built: Record<Variant, { kernel: string; image: string }> = {} as never;
  for (const [name, { debug }] of Object.entries(variants) as [Variant, (typeof variants)[Variant]][]) {
    const node = await batmanAdvNode({ src }, undefined, { debug });
    const { paths } = await realiseAll([node.kernel, node.image], { report: stderrReporter });
    built[name] = { kernel: paths[0], image: paths[1] };
  }
  const rows: Record<Variant, Awaited<ReturnType<typeof round>>[]> = { plain: [], debug: [] };
  for (let r = 1; r <= Number(values.rounds); r++)
    for (const name of Object.keys(variants) as Variant[]) {
      rows[name].push(await round(built[name], variants[name].mem));
      console.log(`round ${r} ${name}: ${JSON.stringify(rows[name].at(-1))}`);
    }
  const median = (name: Variant, key: keyof (typeof rows)['plain'][number]) =>
    rows[name].map((x) => x[key]).sort((a, b) => a - b)[rows[name].length >> 1];
  const results: Record<string, number> = { nodes };
  for (const key of ['ready_s', 'converge_s', 'pss_mib_per_node', 'idle_cpu_percent_per_node'] as const) {
    results[`plain_${key}`] = median('plain', key);
    results[`debug_${key}`] = median('debug', key);
    results[`${key.replace(/_s$|_per_node$/, '')}_ratio`] = median('debug', key) / median('plain', key);
  }
  printResults('debug', results);
} finally {
  await rm(dir, { recursive: true, force: true });
}
