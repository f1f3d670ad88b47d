// The jumbo variant (an option, not the default): batman-adv caps bat0 at 1500 bytes
// (batadv_hardif_min_mtu() and bat0's max_mtu use ETH_DATA_LEN). batman-adv/jumbo/ lifts
// the cap (recipes/linux/patched-batman-adv.ts builds it). Meshes of it want fragmentation
// off and hard interfaces larger than bat0 (see bench/throughput.ts).
//
//   npx tsx recipes/batman-adv-jumbo.ts [--variant kernel]   # the image [its kernel]
import { recipeMain } from '../lib/derivations/index.ts';
import { patchedVariant } from './linux/patched-batman-adv.ts';

export const {
  kernel: jumboKernel,
  module: jumboModule,
  image: jumboImage,
  recipe,
} = patchedVariant('jumbo', "the jumbo option: batman-adv as a module with bat0's 1500-byte cap lifted, and its image");

await recipeMain(import.meta, recipe);
