// What a kernel offers beyond upstream's, as its build wrote it: one word per line in its
// `features` file (recipes/linux/kernel.ts). A kernel without the file offers nothing extra.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const kernelFeaturesFile = 'features';

/**
 * `offload`: bat0 takes TSO, batman-adv passes GSO packets whole where a link can take them
 * and segments them below its header elsewhere, and the vector driver speaks virtio-net
 * headers on inherited descriptors (`vnet=1`).
 */
/**
 * `sim-wake`: under lib/sim's calendar a frame or console input wakes the node at once (an
 * interrupt event at the calendar's time), so simulated nodes need no steady tick.
 */
/**
 * `debug`: the debug kernel (recipes/linux/debug): KASAN, UBSAN, kmemleak, lockdep; `mesh
 * report` scans it for leaks.
 */
export type KernelFeature = 'offload' | 'sim-wake' | 'debug';

export async function kernelOffers(kernel: string, feature: KernelFeature): Promise<boolean> {
  try {
    return (await readFile(join(kernel, kernelFeaturesFile), 'utf8')).split('\n').includes(feature);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
