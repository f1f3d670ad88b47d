// The jumbo variant (an option, not the default): batman-adv caps bat0 at 1500 bytes
// (batadv_hardif_min_mtu() and bat0's max_mtu use ETH_DATA_LEN). batman-adv/jumbo/ lifts
// the cap (recipes/linux/patched-batman-adv.ts builds it). Meshes of it want fragmentation
// off and hard interfaces larger than bat0 (see bench/throughput.ts).
//
//   npx tsx recipes/batman-adv-jumbo.ts [--variant kernel]   # the image [its kernel]
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { moduleKernel } from './linux/kernel.ts';
import { patchedVariant } from './linux/patched-batman-adv.ts';

export const jumboKernel = lazy(() => moduleKernel('6.12'));
export const { module: jumboModule, image: jumboImage } = patchedVariant('jumbo');

export const recipe = defineRecipe({
  name: 'batman-adv-jumbo',
  description: "the jumbo option: batman-adv as a module with bat0's 1500-byte cap lifted, and its image",
  variants: { image: 'the image that loads the module (the default)', kernel: 'the kernel it boots on' },
  make: ({ variant }) => (variant === 'kernel' ? jumboKernel() : jumboImage()),
});

await recipeMain(import.meta, recipe);
