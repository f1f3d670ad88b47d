// npm run bench [-- --json] [-- --quick]: every benchmark, side by side in one run.
// The last line (with --json) holds the summary the issue asks for; what is not measured
// yet is null rather than a made-up number.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchBoot } from './boot.ts';
import { benchKernelBuild } from './kernel-build.ts';
import { benchStore } from './store.ts';
import { benchThroughput } from './throughput.ts';
import { printResults } from './report.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, quick: { type: 'boolean' } } });
if (values.quick) process.env.BATU_BENCH_SECONDS ??= '4';
const store = await benchStore();
printResults('store', store, { noop_realise_s: 0.5 });
const boot = await benchBoot();
printResults('boot', boot, { ready_s: 0.3, first_neighbour_10_s: 1.5, rss_mib_per_node: 16 });

const throughput = await benchThroughput();
printResults('throughput', throughput, {});

// Two kernel builds: only in the full run.
const kernel = values.quick ? undefined : await benchKernelBuild();
if (kernel) printResults('kernel-build', kernel, { kernel_build_overhead: 1.05 });

const summary = {
  nproc: availableParallelism(),
  noop_realise_s: store.noop_realise_s,
  ready_s: boot.ready_s,
  first_neighbour_s: boot.first_neighbour_10_s,
  rss_mib_per_node: boot.rss_mib_per_node,
  throughput_ratio: throughput.throughput_ratio, throughput_gbit: throughput.throughput_gbit,
  max_converged_nodes: null, kernel_build_overhead: kernel?.kernel_build_overhead ?? null,
  quick: values.quick ?? false,
};
if (values.json) console.log(JSON.stringify(summary));
