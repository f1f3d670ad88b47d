// batu/recipes: batu's own derivations, for other build tools to realise or build upon (as
// nixpkgs is imported): the kernels, the guest image and its parts, and the constructors
// they are made with. Importing evaluates nothing: each derivation is a function made on
// first call (its sources hashed, its pins read then). `recipes` is the registry `batu build`
// knows them by.
import type { Recipe } from '../lib/derivations/index.ts';
import { recipe as alfredRecipe } from './alfred.ts';
import { recipe as batctlLegacyRecipe } from './batctl-legacy.ts';
import { recipe as batctlRecipe } from './batctl.ts';
import { recipe as batmanAdvJumboRecipe } from './batman-adv-jumbo.ts';
import { recipe as batmanAdvRecipe } from './batman-adv.ts';
import { recipe as batmanAdvToolsRecipe } from './batman-adv-tools.ts';
import { recipe as libnl3Recipe } from './libnl3.ts';
import { recipe as busyboxRecipe } from './busybox.ts';
import { recipe as helloRecipe } from './hello.ts';
import { recipe as imageRecipe } from './image.ts';
import { recipe as initRecipe } from './init.ts';
import { recipe as linuxV14Recipe } from './linux-v14.ts';
import { recipe as linuxV15Recipe } from './linux-v15.ts';
import { recipe as ociImageRecipe } from './oci-image.ts';
import { recipe as socatRecipe } from './socat.ts';
import { recipe as tcRecipe } from './tc.ts';
import { recipe as tunnelToolsRecipe } from './tunnel-tools.ts';
import { recipe as u9fsRecipe } from './u9fs.ts';

/** batu's recipes by name (each file's name): what `batu build NAME` and `npx tsx recipes/NAME.ts` build. */
export const recipes: Record<string, Recipe> = Object.fromEntries(
  [
    linuxV15Recipe,
    linuxV14Recipe,
    imageRecipe,
    initRecipe,
    batctlRecipe,
    alfredRecipe,
    tcRecipe,
    tunnelToolsRecipe,
    socatRecipe,
    u9fsRecipe,
    batctlLegacyRecipe,
    batmanAdvRecipe,
    batmanAdvToolsRecipe,
    libnl3Recipe,
    busyboxRecipe,
    batmanAdvJumboRecipe,
    helloRecipe,
    ociImageRecipe,
  ].map((r) => [r.name, r]),
);

export { linuxV15, linuxV15On61 } from './linux-v15.ts';
export { v14Kernel, linuxV14, v14Image, legacyName, legacySha256, legacyPatchFiles } from './linux-v14.ts';
export { legacyBatctl, legacyBatctlName, legacyBatctlSha256 } from './batctl-legacy.ts';
export {
  umlKernel,
  moduleKernel,
  uapiHeaders,
  kernelSource,
  kernelSeries,
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
export { batmanAdvModule, batmanAdvOf, batmanAdvNode, type BatmanAdvOptions } from './batman-adv.ts';
export { batmanAdvTools, type ToolsOptions } from './batman-adv-tools.ts';
export { libnl3 } from './libnl3.ts';
export { openMeshSource, releasedVersions, releaseUrl, type SourceChoice } from './open-mesh/sources.ts';
export { jumboKernel, jumboModule, jumboImage } from './batman-adv-jumbo.ts';
export { image, guestImage, shellImage } from './image.ts';
export { busybox } from './busybox.ts';
export { init } from './init.ts';
export { alfred } from './alfred.ts';
export { batctl } from './batctl.ts';
export { socat } from './socat.ts';
export { tc } from './tc.ts';
export { tunnelTools } from './tunnel-tools.ts';
export { u9fs } from './u9fs.ts';
export { hello } from './hello.ts';
export { ociImage } from './oci-image.ts';
export { debBinaries } from './userland/binaries.ts';
export { pins, pinFile } from './pins.ts';
