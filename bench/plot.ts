// The README's plots from bench results: throughput per path, convergence time per mesh size.
// `npx tsx bench/plot.ts [results.json]` redraws them from a saved run.
import { readFile, writeFile } from 'node:fs/promises';
import { barChart, lineChart } from './svg.ts';
import type { ScaleStep } from './scale.ts';

export interface BenchResults {
  throughput?: Record<string, number>;
  scale?: { summary: Record<string, number | string>; steps: ScaleStep[] };
}

const dir = new URL('.', import.meta.url).pathname;

export async function writePlots(results: BenchResults): Promise<string[]> {
  const written: string[] = [];
  const t = results.throughput;
  if (t) {
    const bars: [string, number][] = [
      ['host veth (baseline)', t.host_veth_gbit],
      ['default (offload, socketpairs)', t.default_gbit],
      ['offload, tap links', t.default_tap_links_gbit],
      ['jumbo, socketpairs', t.jumbo_socketpair_gbit],
      ['jumbo, tap links', t.jumbo_gbit],
      ['batctl tp, socketpair', t.batctl_tp_socketpair_gbit],
      ['batctl tp, L2TPv3 between hosts', t.batctl_tp_l2tpv3_gbit],
      ['batctl tp, tap links', t.batctl_tp_bridge_gbit],
      ['offload off, tap links', t.offload_off_gbit],
      ['stock batman-adv, socketpairs', t.stock_socketpair_gbit],
      ['stock batman-adv, tap links', t.stock_gbit],
      ['legacy tuntap links', t.legacy_tuntap_gbit],
    ].filter((b): b is [string, number] => typeof b[1] === 'number');
    await writeFile(`${dir}throughput.svg`, barChart('Throughput (Gbit/s), one run side by side', 'Gbit/s', bars));
    written.push('bench/throughput.svg');
  }
  const s = results.scale;
  const points =
    s?.steps.filter((r) => r.converged_s !== null).map((r): [number, number] => [r.nodes, r.converged_s!]) ?? [];
  if (s && points.length) {
    const title = `Convergence time vs nodes (${s.summary.topology}, ${s.summary.backend}, ${s.summary.algorithm}, OGM ${s.summary.orig_interval_ms} ms)`;
    await writeFile(`${dir}scale.svg`, lineChart(title, 'nodes', 'seconds from first spawn to converged', points));
    written.push('bench/scale.svg');
  }
  return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? `${dir}results.json`;
  console.log((await writePlots(JSON.parse(await readFile(file, 'utf8')) as BenchResults)).join('\n'));
}
