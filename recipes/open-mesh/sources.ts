// Where a batman-adv, batctl or alfred comes from: an open-mesh release by version (its
// tarball's URL and sha256 pinned in releases.json beside this file), any tarball by URL and
// sha256 (a mirror, a pre-release), or a local tree (a developer's git checkout, hashed by
// content: an unchanged tree is the same input, so nothing is rebuilt).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { RecipeError, repoFiles, url, type Input, type RecipeFlags } from '../../lib/derivations/index.ts';
import type { BatmanAdvSource } from '../../lib/mesh/topology.ts';

export const openMeshPackages = ['batman-adv', 'batctl', 'alfred'] as const;
export type OpenMeshPackage = (typeof openMeshPackages)[number];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Releases = z.object({
  releases: z.record(
    z.string().regex(/^\d{4}\.\d+$/),
    z.object({ 'batman-adv': Sha256, batctl: Sha256, alfred: Sha256 }),
  ),
});
const releases = Releases.parse(JSON.parse(readFileSync(new URL('./releases.json', import.meta.url), 'utf8'))).releases;

/** The released versions pinned here, newest first. */
export const releasedVersions = Object.keys(releases).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));

export const releaseUrl = (pkg: OpenMeshPackage, version: string) =>
  `https://downloads.open-mesh.org/batman/releases/batman-adv-${version}/${pkg}-${version}.tar.gz`;

/** A release (`2026.2`), a tarball (`{ url, sha256 }`), or a local tree (`{ src: DIR }`): a topology's BatmanAdvSource. */
export type SourceChoice = BatmanAdvSource;

/** Build outputs and VCS data a checkout holds: not part of its source. */
const notSource =
  /(^|\/)(\.git|\.tmp_versions)$|\.(o|ko|mod|mod\.c|cmd|a|d|order|symvers)$|(^|\/)(batctl|alfred|batadv-vis)$/;

/** The source input and the version it names ('src' for a local tree). */
export async function openMeshSource(
  pkg: OpenMeshPackage,
  choice: SourceChoice,
): Promise<{ src: Input; version: string }> {
  if (typeof choice === 'string') {
    const pinned = releases[choice];
    if (!pinned)
      throw new RecipeError(
        `${pkg} ${choice} is not a release pinned here (${releasedVersions.join(', ')}); give a tarball's URL and sha256, or a source tree`,
      );
    return { src: url({ url: releaseUrl(pkg, choice), sha256: pinned[pkg] }), version: choice };
  }
  if ('url' in choice) {
    const version = choice.version ?? /-(\d{4}\.\d+[^/]*?)\.(tar(\.\w+)?|tgz)$/.exec(choice.url)?.[1] ?? 'url';
    return { src: url({ url: choice.url, sha256: choice.sha256 }), version };
  }
  const dir = resolve(choice.src);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new RecipeError(`${pkg} source ${choice.src}: not a directory`);
  return { src: await repoFiles(`${pkg}-src`, dir, { exclude: notSource }), version: 'src' };
}

/**
 * A tarball or tree a recipe's flags name: --PREFIXsrc DIR, or --PREFIXurl U with
 * --PREFIXsha256 H (one without the other is an error); undefined when neither is given.
 */
export function flaggedSource(
  flags: RecipeFlags,
  prefix = '',
): { url: string; sha256: string } | { src: string } | undefined {
  const [given, sha256, src] = [flags[`${prefix}url`], flags[`${prefix}sha256`], flags[`${prefix}src`]];
  if (src) return { src };
  if (!given && !sha256) return undefined;
  if (!given || !sha256) throw new RecipeError(`--${prefix}url and --${prefix}sha256 go together`);
  return { url: given, sha256 };
}
