// The jumbo variant (an option, not the default): batman-adv caps bat0 at 1500 bytes
// (batadv_hardif_min_mtu() and bat0's max_mtu use ETH_DATA_LEN). This builds the kernel's
// own batman-adv (net/batman-adv of the same Debian source) as a module with
// batman-adv/jumbo-mtu.patch lifting the cap, against the kernel variant without
// batman-adv, and an image that loads it. Meshes of it want fragmentation off and hard
// interfaces larger than bat0 (see bench/throughput.ts).
//
//   npx tsx recipes/batman-adv-jumbo.ts [--variant kernel]   # the image [its kernel]
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { kernelSources, umlKernel, type KernelSeries } from './linux/kernel.ts';
import { kernelModule } from './linux/module.ts';
import { guestImage } from './image.ts';

/** net/batman-adv of a kernel source package, as a module source tree. */
export function kernelBatmanAdvSource(series: KernelSeries = '6.12') {
  const src = kernelSources[series];
  return derivation({
    name: 'batman-adv-src-linux', version: src.version.replace(/-.*/, ''),
    inputs: { src },
    builder: `
      dpkg-deb --fsys-tarfile "$src"/*.deb | tar -x --wildcards './usr/src/linux-source-*.tar.xz'
      mkdir -p "$out"
      tar -xJf usr/src/linux-source-*.tar.xz -C "$out" --strip-components=3 --wildcards '*/net/batman-adv/*'
    `,
  });
}

// The options the built-in batman-adv has (recipes/linux/config/uml.config), for Kbuild and the C code.
const features = ['BATMAN_V', 'BLA', 'DAT', 'MCAST', 'NC'].map((f) => `CONFIG_BATMAN_ADV_${f}`);

export const jumboKernel = umlKernel({ series: '6.12', batmanAdv: false });

export const jumboModule = kernelModule({
  name: 'batman-adv-jumbo', version: kernelSources['6.12'].version.replace(/-.*/, ''),
  kernel: jumboKernel, src: kernelBatmanAdvSource('6.12'),
  patches: await repoFiles('batman-adv-jumbo-patches', new URL('./batman-adv', import.meta.url).pathname),
  make: `make -C "$KERNEL_BUILD" ARCH=um M="$PWD" CONFIG_BATMAN_ADV=m ${features.map((f) => `${f}=y`).join(' ')} ` +
    `KCFLAGS="$KCFLAGS ${features.map((f) => `-D${f}=1`).join(' ')}" modules`,
});

export const jumboImage = guestImage({ name: 'batu-image-jumbo', modules: [jumboModule] });

await runRecipe(import.meta, (flags) => (flags.variant === 'kernel' ? jumboKernel : jumboImage));
