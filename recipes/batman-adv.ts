// batman-adv as an out-of-tree module, for any release a user supplies (newer than the
// kernel's, or the legacy compat-14 one): built against the kernel variant without
// batman-adv, its .ko goes into the image and the init loads it before creating bat0.
//
//   npx batu store add batman-adv-2024.3.tar.gz     # prints the tree hash
//   npx tsx recipes/batman-adv.ts --source-sha256 <hash> --source-name batman-adv-2024.3
import { defineRecipe, recipeMain, tree, type Derivation, type Input } from '../lib/derivations/index.ts';
import { kernelModule } from '../lib/stdenv/index.ts';
import { moduleKernel, type KernelSeries } from './linux/kernel.ts';

export interface BatmanAdvOptions {
  /** A release's unpacked tree, pinned by its content hash (`store add` prints it). */
  src: Input;
  version: string;
  series?: KernelSeries;
  patches?: Input;
  /** The kernel to build against (default: the module kernel of `series`). */
  kernel?: Derivation;
}

export async function batmanAdvModule({ src, version, series = '6.12', patches, kernel }: BatmanAdvOptions) {
  return kernelModule({
    name: 'batman-adv-module',
    version,
    src,
    patches: patches ? [patches] : [],
    kernel: kernel ?? (await moduleKernel(series)),
    // batman-adv's own Makefile: builds net/batman-adv with its compat layer.
    make: 'make KERNELPATH="$KERNEL_BUILD" ARCH=um CONFIG_BATMAN_ADV_BATMAN_V=y',
  });
}

export const recipe = defineRecipe({
  name: 'batman-adv',
  description: 'any batman-adv release you supply, as an out-of-tree module',
  flags: {
    'source-sha256': 'SHA256  the release tree (store add prints its hash)',
    'source-name': 'NAME  its name in the store, e.g. batman-adv-2024.3',
  },
  make: (flags) => {
    const { 'source-sha256': sha256, 'source-name': name } = flags;
    if (!sha256 || !name)
      throw new Error(
        'batman-adv needs a source: `batu store add <release tarball or dir>`, then --source-sha256 <printed hash> --source-name <name>',
      );
    return batmanAdvModule({ src: tree({ name, sha256 }), version: name.replace(/^batman-adv-/, '') });
  },
});

await recipeMain(import.meta, recipe);
