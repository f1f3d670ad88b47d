// The jumbo variant (an option, not the default): batman-adv caps bat0 at 1500 bytes
// (batadv_hardif_min_mtu() and bat0's max_mtu use ETH_DATA_LEN). batman-adv/jumbo/ lifts
// the cap (recipes/linux/patched-batman-adv.ts builds it). Meshes of it want fragmentation
// off and hard interfaces larger than bat0 (see bench/throughput.ts).
//
//   npx tsx recipes/batman-adv-jumbo.ts [--variant kernel]   # the image [its kernel]
import { runRecipe } from '../lib/derivations/index.ts';
import { moduleKernel } from './linux/kernel.ts';
import { patchedBatmanAdv } from './linux/patched-batman-adv.ts';

export const jumboKernel = moduleKernel('6.12');
export const { module: jumboModule, image: jumboImage } = await patchedBatmanAdv('jumbo');

await runRecipe(import.meta, (flags) => (flags.variant === 'kernel' ? jumboKernel : jumboImage));
