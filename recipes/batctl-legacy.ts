// batctl 2013.4.0, the batctl of compat 14: it reads batman-adv's sysfs and debugfs (which
// the v14 kernel has) and pings over batman-adv's icmp socket, where today's batctl speaks
// netlink only. Static with musl; in the v14 image as /usr/sbin/batctl-legacy.
//
// No registry here serves it: obtain open-mesh's batctl v2013.4.0 (a release tarball, or
// the tag's archive from a mirror of open-mesh's batctl repository), then
//   npx batu store add batctl-2013.4.0.tar.gz --name batctl-2013.4.0
// Its tree hash is pinned below; --source-sha256 takes another.
import { defineRecipe, recipeMain, tree } from '../lib/derivations/index.ts';
import { staticC } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const legacyBatctlName = 'batctl-2013.4.0';
/** The tree of the v2013.4.0 tag (git archive), as `batu store add` prints it. */
export const legacyBatctlSha256 = 'f72503a2aae633d580203c576a6e227bc5b184fa0ab1192373c0e9d8feaa907f';

export async function legacyBatctl(sha256 = legacyBatctlSha256) {
  return staticC({
    name: 'batctl-legacy',
    version: '2013.4.0',
    src: tree({ name: legacyBatctlName, sha256 }),
    programs: { 'usr/sbin/batctl-legacy': '*.c' },
    uapi: uapiHeaders(),
    // Its era's sources: glibc names (caddr_t, the BSD tcphdr fields) and kernel types without includes.
    cflags:
      '-O2 -w -std=gnu99 -fno-strict-aliasing -D_GNU_SOURCE -DSOURCE_VERSION=\'"2013.4.0"\' -include linux/types.h -include sys/types.h',
  });
}

export const recipe = defineRecipe({
  name: 'batctl-legacy',
  description: 'batctl 2013.4.0 (compat 14), static with musl; you supply its source (store add)',
  flags: { 'source-sha256': 'SHA256  another batctl-2013.4.0 tree (store add prints its hash)' },
  make: (flags) => legacyBatctl(flags['source-sha256']),
});

await recipeMain(import.meta, recipe);
