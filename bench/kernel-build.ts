// bench/kernel-build: the same kernel built by the recipe's own steps run by plain bash outside
// the store, and through the store (cold, fresh store), one after the other on a quiet machine.
// Ratio = store / plain: what the store's sandbox, normalization and hashing cost.
// Takes two kernel builds (~8 min on 2 cores): run it on its own, not from `npm test`.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { realise, realiseAll, silentReporter } from '../lib/derivations/index.ts';
import { prelude } from '../lib/derivations/build/sandbox.ts';
import { sidecar } from '../lib/derivations/store/store.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { printResults } from './report.ts';

const seconds = async (work: () => Promise<unknown>) => {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
};

export async function benchKernelBuild(): Promise<Record<string, number>> {
  const work = await mkdtemp(join(tmpdir(), 'batu-bench-kernel-'));
  const store = await mkdtemp(join(tmpdir(), 'batu-bench-kstore-'));
  try {
    // The recipe's own inputs (the source .deb, config, patches), realised before the clock
    // starts, as the store's fetch is not timed either; then the recipe's own builder, by bash.
    const kernel = await linuxV15();
    const keys = Object.keys(kernel.inputs);
    const { paths } = await realiseAll(
      keys.map((k) => kernel.inputs[k]),
      { store, report: silentReporter },
    );
    const env = {
      ...Object.fromEntries(keys.map((k, i) => [k, paths[i]])),
      ...kernel.env,
      out: join(work, 'out'),
      BATU_CORES: String(cpus().length),
      LC_ALL: 'C',
      TZ: 'UTC',
    };
    const plain = await seconds(() =>
      execa('bash', ['-c', `${prelude}\n${kernel.builder}`], { cwd: work, env, stdout: 'ignore', stderr: 'ignore' }),
    );
    let path = '';
    const viaStore = await seconds(async () => {
      path = (await realise(kernel, { store, report: silentReporter })).path;
    });
    const phases = phaseSeconds(await readFile(sidecar.log(path), 'utf8'));
    return { plain_s: plain, store_s: viaStore, ...phases, kernel_build_overhead: viaStore / plain };
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(store, { recursive: true, force: true });
  }
}

/** How long each builder phase took, from the `@@batu phase NAME (at N s)` lines of a build log. */
export function phaseSeconds(log: string): Record<string, number> {
  const marks = [...log.matchAll(/^@@batu (?:phase (\S+)|builder exited) \(at ([\d.]+) s\)$/gm)];
  const phases: Record<string, number> = {};
  marks.slice(0, -1).forEach((mark, i) => {
    phases[`phase_${mark[1]}_s`] = Number(marks[i + 1][2]) - Number(mark[2]);
  });
  return phases;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults('kernel-build', await benchKernelBuild(), { kernel_build_overhead: 1.05 });
}
