// linux-v14: batman-adv compat 14 (batman-adv 2013.4.0, carried on by Freifunk as
// "batman-adv-legacy") as an out-of-tree module on the UML kernel without batman-adv.
//
// No registry reachable here serves that source, and batu does not vendor it. Supply it:
//   npx tsx bin/batu.ts store add batman-adv-legacy.tar.gz --name batman-adv-legacy-2013.4.0
//   npx tsx recipes/linux-v14.ts --source-sha256 <the tree hash it printed>
// (or write {"sha256": "<hash>"} to recipes/pins/batman-adv-legacy.json).
// Note: the legacy tree builds against Linux ≤ 5.4 only; Debian 12's kernels are 6.1
// and 6.12, so patches (--patches-dir) are needed for it to compile here.
import { existsSync, readFileSync } from 'node:fs';
import { repoFiles, runRecipe, tree } from '../lib/derivations/index.ts';
import { batmanAdvModule } from './batman-adv.ts';

const pinFile = new URL('./pins/batman-adv-legacy.json', import.meta.url).pathname;
export const legacyName = 'batman-adv-legacy-2013.4.0';

export async function linuxV14(sha256: string, patchesDir?: string) {
  return batmanAdvModule({
    src: tree({ name: legacyName, sha256 }),
    version: '2013.4.0',
    series: '6.1',
    patches: patchesDir ? await repoFiles('batman-adv-legacy-patches', patchesDir) : undefined,
  });
}

const pinned = existsSync(pinFile) ? (JSON.parse(readFileSync(pinFile, 'utf8')) as { sha256: string }).sha256 : undefined;

await runRecipe(import.meta, async (flags) => {
  const sha256 = (flags['source-sha256'] as string | undefined) ?? pinned;
  if (!sha256) {
    throw new Error(`linux-v14 needs the source of ${legacyName}, which no registry here serves.\n` +
      `Obtain it, then:\n  npx tsx bin/batu.ts store add <tarball-or-dir> --name ${legacyName}\n` +
      `  npx tsx recipes/linux-v14.ts --source-sha256 <the tree hash it printed>\n` +
      `or pin it in recipes/pins/batman-adv-legacy.json as {"sha256": "<hash>"}`);
  }
  return linuxV14(sha256, flags['patches-dir'] as string | undefined);
}, ['source-sha256', 'patches-dir']);
