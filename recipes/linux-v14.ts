// linux-v14: batman-adv compat 14 (batman-adv 2013.4.0, carried on by Freifunk as
// "batman-adv-legacy") as an out-of-tree module on the UML kernel without batman-adv.
//
// No registry reachable here serves that source, and batu does not vendor it. Supply it:
//   npx batu store add batman-adv-legacy.tar.gz --name batman-adv-legacy-2013.4.0
//   npx tsx recipes/linux-v14.ts --source-sha256 <the tree hash it printed>
// (or write {"sha256": "<hash>"} to recipes/pins/batman-adv-legacy.json).
// Note: the legacy tree builds against Linux ≤ 5.4 only; Debian 12's kernels are 6.1
// and 6.12, so patches (--patches-dir) are needed for it to compile here.
//
// Prints the image (the module in /lib/modules; the init makes bat0 through the legacy
// sysfs interface when batman-adv has no rtnetlink kind); `--variant kernel` the kernel
// to boot it with, `--variant module` the module alone. Guest batctl is Debian's 2023
// release, which speaks netlink only: a compat-14 node needs a batctl of its era too.
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { repoFiles, runRecipe, tree } from '../lib/derivations/index.ts';
import { batmanAdvModule } from './batman-adv.ts';
import { guestImage } from './image.ts';
import { moduleKernel } from './linux/kernel.ts';

const pinFile = fileURLToPath(new URL('./pins/batman-adv-legacy.json', import.meta.url));
export const legacyName = 'batman-adv-legacy-2013.4.0';

/** The kernel a compat-14 node boots: 6.1 without batman-adv. */
export const v14Kernel = moduleKernel('6.1');

export async function linuxV14(sha256: string, patchesDir?: string) {
  return batmanAdvModule({
    src: tree({ name: legacyName, sha256 }),
    version: '2013.4.0',
    series: '6.1',
    patches: patchesDir ? await repoFiles('batman-adv-legacy-patches', patchesDir) : undefined,
  });
}

export async function v14Image(sha256: string, patchesDir?: string) {
  return guestImage({ name: 'batu-image-v14', modules: [await linuxV14(sha256, patchesDir)] });
}

const pinned = existsSync(pinFile)
  ? (JSON.parse(readFileSync(pinFile, 'utf8')) as { sha256: string }).sha256
  : undefined;

await runRecipe(
  import.meta,
  async (flags) => {
    if (![undefined, 'image', 'module', 'kernel'].includes(flags.variant as string | undefined)) {
      throw new Error(`unknown variant ${JSON.stringify(flags.variant)} (known: image, module, kernel)`);
    }
    if (flags.variant === 'kernel') return v14Kernel;
    const sha256 = (flags['source-sha256'] as string | undefined) ?? pinned;
    if (!sha256) {
      throw new Error(
        `linux-v14 needs the source of ${legacyName}, which no registry here serves.\n` +
          `Obtain it, then:\n  npx batu store add <tarball-or-dir> --name ${legacyName}\n` +
          `  npx tsx recipes/linux-v14.ts --source-sha256 <the tree hash it printed>\n` +
          `or pin it in recipes/pins/batman-adv-legacy.json as {"sha256": "<hash>"}`,
      );
    }
    const patchesDir = flags['patches-dir'] as string | undefined;
    return flags.variant === 'module' ? linuxV14(sha256, patchesDir) : v14Image(sha256, patchesDir);
  },
  ['source-sha256', 'patches-dir'],
);
