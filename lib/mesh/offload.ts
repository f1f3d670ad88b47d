// Offload is a mesh-wide choice: the links' virtio-net headers must match at both ends, so
// it is on only where every kernel a mesh boots offers it (its features file) and the
// topology runs batu's batman-adv. A topology that says it is obeyed, or refused.
import { kernelOffers } from '../runner/index.ts';
import { TopologyError } from './errors.ts';
import type { TopologyInput } from './topology.ts';

export async function withOffload(input: TopologyInput, kernels: string[]): Promise<TopologyInput> {
  const lacking = (await Promise.all(kernels.map(async (k) => ((await kernelOffers(k, 'offload')) ? [] : [k])))).flat();
  if (input.offload === undefined) return { ...input, offload: lacking.length === 0 && input.batmanAdv !== 'stock' };
  if (input.offload && lacking.length)
    throw new TopologyError(
      `offload: kernel ${lacking[0]} does not offer it (no "offload" in its features file); batu's default kernel does`,
    );
  return input;
}
