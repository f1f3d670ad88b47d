// batu/stdenv: the build constructors (nixpkgs' stdenv for batu), between the store
// (lib/derivations) and the recipes: typed kinds of derivation recipes keep making, so a
// recipe states only what differs.
export { staticC, hostC, type CProgramOptions } from './c.ts';
export { kernelBuild, kernelModule, type KernelBuildOptions, type KernelModuleOptions } from './kbuild.ts';
export { nodeModules } from './node-modules.ts';
export { helperFile } from './host-helper.ts';
export { configureMake, type ConfigureMakeOptions } from './configure-make.ts';
