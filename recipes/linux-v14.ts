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
import { repoFiles, runRecipe, tree } from '../lib/derivations/index.ts';
import { batmanAdvModule } from './batman-adv.ts';
import { legacyBatctl } from './batctl-legacy.ts';
import { guestImage } from './image.ts';
import { umlKernel } from './linux/kernel.ts';

export const legacyName = 'batman-adv-legacy-2013.4.0';
/** batman-adv-legacy at d8bfd8e4 (its GitHub archive), as `batu store add` prints it. */
export const legacySha256 = 'cc7ffed4d9f3f9fe8cac010991266cf69b8748f27d25f0a39e2737a8c2e8f26d';

/** The kernel a compat-14 node boots: 6.1 without batman-adv, with debugfs (where the legacy tables are). */
export const v14Kernel = umlKernel({ series: '6.1', batmanAdv: false, extraConfig: 'CONFIG_DEBUG_FS=y\n' });

/** batu's patches for the legacy tree (recipes/batman-adv/legacy/: each says what and why). */
export const legacyPatchFiles = await repoFiles(
  'batman-adv-legacy-patches',
  new URL('./batman-adv/legacy', import.meta.url),
);

export async function linuxV14(sha256 = legacySha256, patchesDir?: string) {
  return batmanAdvModule({
    src: tree({ name: legacyName, sha256 }),
    version: '2013.4.0',
    series: '6.1',
    kernel: v14Kernel,
    patches: patchesDir ? await repoFiles('batman-adv-legacy-patches', patchesDir) : legacyPatchFiles,
  });
}

export async function v14Image(sha256?: string, patchesDir?: string) {
  return guestImage({
    name: 'batu-image-v14',
    modules: [await linuxV14(sha256, patchesDir)],
    extras: [legacyBatctl()],
  });
}

await runRecipe(
  import.meta,
  async (flags) => {
    if (![undefined, 'image', 'module', 'kernel'].includes(flags.variant as string | undefined)) {
      throw new Error(`unknown variant ${JSON.stringify(flags.variant)} (known: image, module, kernel)`);
    }
    if (flags.variant === 'kernel') return v14Kernel;
    const sha256 = flags['source-sha256'] as string | undefined;
    const patchesDir = flags['patches-dir'] as string | undefined;
    return flags.variant === 'module' ? linuxV14(sha256, patchesDir) : v14Image(sha256, patchesDir);
  },
  {
    'source-sha256': `SHA256  another batman-adv-legacy tree (default: the pinned ${legacySha256.slice(0, 12)}…)`,
    'patches-dir': "DIR  patches to apply instead of batu's (recipes/batman-adv/legacy)",
  },
);
