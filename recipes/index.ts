// batu/recipes: batu's own derivations, for other build tools to realise or build upon (as
// nixpkgs is imported): the kernels, the guest image and its parts, and the constructors
// they are made with. Importing evaluates nothing heavy; realise() builds.
export { linuxV15, linuxV15On61, linuxV15Variants } from './linux-v15.ts';
export { v14Kernel, linuxV14, v14Image, legacyName, legacySha256, legacyPatchFiles } from './linux-v14.ts';
export { legacyBatctl, legacyBatctlName, legacyBatctlSha256 } from './batctl-legacy.ts';
export {
  umlKernel,
  moduleKernel,
  uapiHeaders,
  kernelSources,
  type KernelSeries,
  type KernelOptions,
} from './linux/kernel.ts';
export {
  kernelModule,
  kernelBuild,
  staticC,
  hostC,
  type KernelModuleOptions,
  type KernelBuildOptions,
  type CProgramOptions,
} from '../lib/stdenv/index.ts';
export { batmanAdvModule, type BatmanAdvOptions } from './batman-adv.ts';
export { jumboKernel, jumboModule, jumboImage } from './batman-adv-jumbo.ts';
export { offloadKernel, offloadModule, offloadImage } from './batman-adv-offload.ts';
export { image, guestImage } from './image.ts';
export { init } from './init.ts';
export { alfred } from './alfred.ts';
export { batctl } from './batctl.ts';
export { socat } from './socat.ts';
export { tc } from './tc.ts';
export { u9fs } from './u9fs.ts';
export { hello } from './hello.ts';
export { debBinaries } from './userland/binaries.ts';
export { pins, pinFile } from './pins.ts';
