// batman-adv compat 14 (Freifunk's batman-adv-legacy) as an out-of-tree module on the 6.1
// UML kernel without batman-adv, and the image that loads it (recipes/linux-v14.ts says
// where the sources come from and what the patches do).
import { lazy, repoFiles, tree } from '../../lib/derivations/index.ts';
import { legacyBatctl } from '../batctl-legacy.ts';
import { batmanAdvModule } from '../batman-adv.ts';
import { guestImage } from '../image.ts';
import { umlKernel } from './kernel.ts';

export const legacyName = 'batman-adv-legacy-2013.4.0';
/** batman-adv-legacy at d8bfd8e4 (its GitHub archive), as `batu store add` prints it. */
export const legacySha256 = 'cc7ffed4d9f3f9fe8cac010991266cf69b8748f27d25f0a39e2737a8c2e8f26d';

/** The kernel a compat-14 node boots: 6.1 without batman-adv, with debugfs (where the legacy tables are). */
export const v14Kernel = lazy(() => umlKernel({ series: '6.1', batmanAdv: false, extraConfig: 'CONFIG_DEBUG_FS=y\n' }));

/** batu's patches for the legacy tree (recipes/batman-adv/legacy/: each says what and why). */
export const legacyPatchFiles = lazy(() =>
  repoFiles('batman-adv-legacy-patches', new URL('../batman-adv/legacy', import.meta.url)),
);

export async function linuxV14(sha256 = legacySha256, patchesDir?: string) {
  return batmanAdvModule({
    src: tree({ name: legacyName, sha256 }),
    version: '2013.4.0',
    series: '6.1',
    kernel: await v14Kernel(),
    patches: patchesDir ? await repoFiles('batman-adv-legacy-patches', patchesDir) : await legacyPatchFiles(),
  });
}

export async function v14Image(sha256?: string, patchesDir?: string) {
  return guestImage({
    name: 'batu-image-v14',
    modules: [await linuxV14(sha256, patchesDir)],
    extras: [await legacyBatctl()],
  });
}
