// bench/kernel-build: the same kernel built by plain `make` outside the store and through
// the store (cold, fresh store), one after the other on a quiet machine. Ratio = store / plain.
// Takes two kernel builds (~8 min on 2 cores): run it on its own, not from `npm test`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { realise, silentReporter } from '../lib/derivations/index.ts';
import { sidecar } from '../lib/derivations/store.ts';
import { kernelSources } from '../recipes/linux/kernel.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { printResults } from './report.ts';

const seconds = async (work: () => Promise<unknown>) => { const t = performance.now(); await work(); return (performance.now() - t) / 1000; };

export async function benchKernelBuild(): Promise<Record<string, number>> {
  const fragment = new URL('../recipes/linux/config/uml.config', import.meta.url).pathname;
  const work = await mkdtemp(join(tmpdir(), 'batu-bench-kernel-'));
  const store = await mkdtemp(join(tmpdir(), 'batu-bench-kstore-'));
  try {
    // The same source .deb, fetched (and unpacked) before the clock starts, as the store's fetch is not timed either.
    const deb = (await realise(kernelSources['6.12'], { store, report: silentReporter })).path;
    await execa('bash', ['-c', `dpkg-deb --fsys-tarfile ${deb}/*.deb | tar -x -C ${work} --wildcards './usr/src/linux-source-*.tar.xz'`]);
    // The locale the store's builders get, so only the store itself differs.
    const env = { LC_ALL: 'C' };
    const unpack = await seconds(() => execa('bash', ['-c', `cd ${work} && tar -xf usr/src/linux-source-*.tar.xz`], { env }));
    const make = await seconds(() => execa('bash', ['-c', `set -e; cd ${work}/linux-source-*
      make ARCH=um defconfig >/dev/null; scripts/kconfig/merge_config.sh -m .config ${fragment} >/dev/null
      make ARCH=um olddefconfig >/dev/null; make ARCH=um -j$(nproc) linux modules >/dev/null 2>&1`], { env }));
    const plain = unpack + make;
    let path = '';
    const viaStore = await seconds(async () => { path = (await realise(linuxV15, { store, report: silentReporter })).path; });
    const phases = phaseSeconds(await readFile(sidecar.log(path), 'utf8'));
    return { plain_unpack_s: unpack, plain_make_s: make, plain_s: plain, store_s: viaStore, ...phases, kernel_build_overhead: viaStore / plain };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(store, { recursive: true, force: true });
  }
}

/** How long each builder phase took, from the `@@batu phase NAME (at N s)` lines of a build log. */
export function phaseSeconds(log: string): Record<string, number> {
  const marks = [...log.matchAll(/^@@batu (?:phase (\S+)|builder exited) \(at ([\d.]+) s\)$/gm)];
  const phases: Record<string, number> = {};
  marks.slice(0, -1).forEach((mark, i) => { phases[`phase_${mark[1]}_s`] = Number(marks[i + 1][2]) - Number(mark[2]); });
  return phases;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults('kernel-build', await benchKernelBuild(), { kernel_build_overhead: 1.05 });
}
