// The offload variant (an option, not the default): bat0 stays at 1500 bytes, but TCP
// crosses the mesh unsegmented. batman-adv/offload/ gives bat0 TSO and checksum offload
// and sends such GSO packets whole over hard interfaces that pass them as they are (UML's
// vector driver with virtio-net headers, `vnet=1`: recipes/linux/patches/offload), segmenting them
// itself below its header everywhere else. Meshes of it use socketpair links (topology
// `offload: true`): a host bridge cannot forward GSO frames of batman-adv's protocol.
//
//   npx tsx recipes/batman-adv-offload.ts [--variant kernel]   # the image [its kernel]
import { recipeMain } from '../lib/derivations/index.ts';
import { patchedVariant } from './linux/patched-batman-adv.ts';

export const {
  kernel: offloadKernel,
  module: offloadModule,
  image: offloadImage,
  recipe,
} = patchedVariant(
  'offload',
  'the offload option: bat0 takes TSO and batman-adv passes GSO packets whole, and its image',
);

await recipeMain(import.meta, recipe);
