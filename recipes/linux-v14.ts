// linux-v14: batman-adv compat 14 — Freifunk's batman-adv-legacy (2013.4.0 carried on,
// github.com/freifunk-gluon/batman-adv-legacy at d8bfd8e4b5bd45023b3d0201ee035f7af3dac44a)
// as an out-of-tree module on the 6.1 UML kernel without batman-adv.
//
// No registry reachable here serves that source, and batu does not vendor it. Supply it:
//   npx batu store add batman-adv-legacy.tar.gz --name batman-adv-legacy-2013.4.0
//   npx batu store add batctl-2013.4.0.tar.gz --name batctl-2013.4.0   (see batctl-legacy.ts)
//   npx tsx recipes/linux-v14.ts
// Both trees' hashes are pinned; --source-sha256 takes another legacy tree.
//
// The tree's compat layer stops at Linux 5.4: batu's patches (recipes/batman-adv/legacy/,
// each says what and why) make it build and register on 6.1–6.12 and answer today's batctl
// (neighbours, interface status); --patches-dir replaces them. With this tree the init makes
// bat0 through rtnetlink like any batman-adv (the sysfs way remains for trees without it),
// and bat0's knobs (/sys/class/net/bat0/mesh/…=) are written as sysfs files before the
// interfaces join. The v14 kernel has debugfs, where the legacy tables are; the image has
// Debian's batctl (netlink) and batctl-legacy (sysfs, debugfs, ping) side by side.
//
// Prints the image; `--variant module` the module alone, `--variant kernel` the kernel.
import { defineRecipe, recipeMain } from '../lib/derivations/index.ts';
import { legacySha256, linuxV14, v14Image, v14Kernel } from './linux/legacy.ts';

export { legacyName, legacySha256, legacyPatchFiles, linuxV14, v14Image, v14Kernel } from './linux/legacy.ts';

export const recipe = defineRecipe({
  name: 'linux-v14',
  description: "batman-adv compat 14 (Freifunk's batman-adv-legacy) on UML; you supply its sources (store add)",
  variants: { image: 'the v14 image (the default)', module: 'the module alone', kernel: 'the kernel it boots on' },
  flags: {
    'source-sha256': `SHA256  another batman-adv-legacy tree (default: the pinned ${legacySha256.slice(0, 12)}…)`,
    'patches-dir': "DIR  patches to apply instead of batu's (recipes/batman-adv/legacy)",
  },
  make: ({ variant, 'source-sha256': sha256, 'patches-dir': patchesDir }) =>
    variant === 'kernel'
      ? v14Kernel()
      : variant === 'module'
        ? linuxV14(sha256, patchesDir)
        : v14Image(sha256, patchesDir),
});

await recipeMain(import.meta, recipe);
