// batman-adv variants (options, not the default): the kernel's own batman-adv
// (net/batman-adv of the same Debian source), patched, built as a module against the 6.12
// kernel without batman-adv, and an image that loads it. recipes/batman-adv-jumbo.ts is one.
import { defineRecipe, derivation, lazy, repoFiles } from '../../lib/derivations/index.ts';
import { kernelModule } from '../../lib/stdenv/index.ts';
import { batmanAdvPatches, kernelSource, moduleKernel, type KernelSeries } from './kernel.ts';
import { upstream } from '../pins.ts';
import { guestImage } from '../image.ts';

/** net/batman-adv of a kernel source package, as a module source tree. */
function kernelBatmanAdvSource(series: KernelSeries = '6.12') {
  const src = kernelSource(series);
  return derivation({
    name: 'batman-adv-src-linux',
    version: upstream(src.version),
    inputs: { src },
    builder: `
      mkdir -p "$out"
      kernelSourceTar "$src" | tar -xJ -C "$out" --strip-components=3 --wildcards '*/net/batman-adv/*'
    `,
  });
}

// The options the built-in batman-adv has (recipes/linux/config/uml.config), for Kbuild and the C code.
const features = ['BATMAN_V', 'BLA', 'DAT', 'MCAST', 'NC'].map((f) => `CONFIG_BATMAN_ADV_${f}`);

/**
 * The module with batu's patches and those in recipes/batman-adv/<variant>/, and an image that
 * loads it; 'stock': the kernel's own batman-adv exactly (a stock mesh on the module kernel,
 * whose build CI has anyway, where linux-v15 --variant stock would be a kernel build more).
 */
export async function patchedBatmanAdv(variant: string) {
  const version = upstream(kernelSource('6.12').version);
  const module = kernelModule({
    name: `batman-adv-${variant}`,
    version,
    kernel: await moduleKernel('6.12'),
    src: kernelBatmanAdvSource('6.12'),
    patches:
      variant === 'stock'
        ? []
        : [
            await batmanAdvPatches(),
            await repoFiles(`batman-adv-${variant}-patches`, new URL(`../batman-adv/${variant}`, import.meta.url)),
          ],
    make:
      `make -C "$KERNEL_BUILD" ARCH=um M="$PWD" CONFIG_BATMAN_ADV=m ${features.map((f) => `${f}=y`).join(' ')} ` +
      `KCFLAGS="$KCFLAGS ${features.map((f) => `-D${f}=1`).join(' ')}" modules`,
  });
  return { module, image: await guestImage({ name: `batu-image-${variant}`, modules: [module] }) };
}

/** A variant's kernel, module and image, made on first use, and its recipe (the image; --variant kernel). */
export function patchedVariant(variant: string, description: string) {
  const made = lazy(() => patchedBatmanAdv(variant));
  const kernel = lazy(() => moduleKernel('6.12'));
  const image = async () => (await made()).image;
  const recipe = defineRecipe({
    name: `batman-adv-${variant}`,
    description,
    variants: { image: 'the image that loads the module (the default)', kernel: 'the kernel it boots on' },
    make: ({ variant: chosen }) => (chosen === 'kernel' ? kernel() : image()),
  });
  return { kernel, module: async () => (await made()).module, image, recipe };
}
