// bench/kernel-tuning: is the kernel recipe's speed section worth it? The same mesh
// throughput (bench/throughput's path, vector tap, MTU 1560) with the recipe's kernel and
// with one built without the speed section (defconfig's -Os and debug checks), alternating.
import { realise } from '../lib/derivations/index.ts';
import { umlKernel } from '../recipes/linux/kernel.ts';
import { linuxV15 } from '../recipes/linux-v15.ts';
import { image } from '../recipes/image.ts';
import { overMesh } from './throughput.ts';
import { printResults } from './report.ts';

export async function benchKernelTuning(rounds = 3): Promise<Record<string, number>> {
  const guest = (await realise(await image())).path;
  const speed = (await realise(await linuxV15())).path;
  const plain = (await realise(await umlKernel({ series: '6.12', batmanAdv: true, tuning: 'defconfig' }))).path;
  const results = { speed: [] as number[], defconfig: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // offload off: the per-frame path, where the kernel's own speed shows most
    results.speed.push((await overMesh({ kernel: speed, image: guest }, { offload: false, linkMtu: 1560 })).gbit);
    results.defconfig.push((await overMesh({ kernel: plain, image: guest }, { offload: false, linkMtu: 1560 })).gbit);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    rounds,
    speed_config_gbit: mean(results.speed),
    defconfig_gbit: mean(results.defconfig),
    speedup: mean(results.speed) / mean(results.defconfig),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printResults('kernel-tuning', await benchKernelTuning());
}
