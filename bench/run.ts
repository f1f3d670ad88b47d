// npm run bench [-- --json] [-- --quick] [-- --reuse scale,kernel]: every benchmark, side by
// side in one run. The last line (with --json) holds the summary the issue asks for; what is
// not measured (the kernel builds, in --quick) is null rather than a made-up number.
// --reuse takes the named sections (the two long ones) from the previous bench/results.json,
// and the summary says so.
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchBoot } from './boot.ts';
import { benchIdle, idleGoals } from './idle.ts';
import { benchKernelBuild } from './kernel-build.ts';
import { benchStore } from './store.ts';
import { benchThroughput, throughputGoals } from './throughput.ts';
import { printResults } from './report.ts';
import { benchScale, defaultScaleConfig, fullSteps, quickSteps } from './scale.ts';
import { writePlots } from './plot.ts';

const { values } = parseArgs({
  options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, reuse: { type: 'string' } },
});
if (values.quick) process.env.BATU_BENCH_SECONDS ??= '4';
const resultsFile = new URL('results.json', import.meta.url);
const reuse = new Set(values.reuse?.split(',') ?? []);
const previous = reuse.size
  ? (JSON.parse(await readFile(resultsFile, 'utf8')) as Record<string, unknown> & {
      date: string;
      reused?: Record<string, string>;
    })
  : undefined;
const reused: Record<string, string> = {};
/** A section from the previous run (with the date it was measured), or a fresh one. */
async function section<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!reuse.has(name)) return run();
  if (!previous?.[name]) throw new Error(`--reuse ${name}: bench/results.json has no ${name} section`);
  reused[name] = previous.reused?.[name] ?? previous.date;
  console.log(`${name}: reused from the run of ${reused[name]}`);
  return previous[name] as T;
}

const store = await benchStore();
printResults('store', store, { noop_realise_s: 0.5 });
const boot = await benchBoot();
printResults('boot', boot, { ready_s: 0.3, first_neighbour_10_s: 1.5, pss_mib_per_node: 8 });

// Against the stock kernel (its own build): only in the full run.
const idle = values.quick ? undefined : await benchIdle();
if (idle) printResults('idle', idle.summary, idleGoals);

// The jumbo option needs its own module build: only in the full run.
const throughput = await benchThroughput({ withVariants: !values.quick });
printResults('throughput', throughput, throughputGoals);

// --quick: up to 50 nodes at batman-adv's default OGM interval (1 s), to stay under 10 minutes.
const scale = await section('scale', () =>
  values.quick ? benchScale(quickSteps, { ...defaultScaleConfig, origInterval: 1000 }) : benchScale(fullSteps),
);
printResults('scale', scale.summary, {});

// Two kernel builds: only in the full run.
const kernel = values.quick ? undefined : await section('kernel', () => benchKernelBuild());
if (kernel) printResults('kernel-build', kernel, { kernel_build_overhead: 1.05 });

const summary = {
  nproc: availableParallelism(),
  noop_realise_s: store.noop_realise_s,
  ready_s: boot.ready_s,
  first_neighbour_s: boot.first_neighbour_10_s,
  pss_mib_per_node: boot.pss_mib_per_node,
  idle_cpu_percent_per_node: idle?.summary.cpu_percent_per_node ?? null,
  idle_wakeups_per_node_s: idle?.summary.wakeups_per_node_s ?? null,
  throughput_ratio: throughput.throughput_ratio,
  throughput_gbit: throughput.throughput_gbit,
  stock_throughput_ratio: throughput.stock_ratio,
  tap_links_throughput_ratio: throughput.default_tap_links_ratio,
  max_converged_nodes: scale.summary.max_converged_nodes,
  kernel_build_overhead: kernel?.kernel_build_overhead ?? null,
  quick: values.quick ?? false,
  ...(Object.keys(reused).length ? { reused } : {}),
};
// Saved for the README's plots (bench/plot.ts redraws them from the file).
await writeFile(
  resultsFile,
  JSON.stringify(
    { date: new Date().toISOString(), reused, summary, store, boot, idle, throughput, scale, kernel },
    null,
    2,
  ) + '\n',
);
console.log(`plots: ${(await writePlots({ throughput, scale })).join(', ')}`);
if (values.json) console.log(JSON.stringify(summary));
