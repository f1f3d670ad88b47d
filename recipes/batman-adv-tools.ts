// batctl, alfred and batadv-vis of one open-mesh release (or tarballs, or local trees), static
// with musl against a static libnl: the userland to go with a batman-adv module of the same
// version (recipes/batman-adv.ts). alfred without gpsd and capabilities (the guest has neither).
//
//   npx tsx recipes/batman-adv-tools.ts --version 2026.2
//   npx tsx recipes/batman-adv-tools.ts --batctl-src ~/batctl --alfred-src ~/alfred
import { defineRecipe, derivation, recipeMain, RecipeError, type RecipeFlags } from '../lib/derivations/index.ts';
import { libnl3 } from './libnl3.ts';
import { uapiHeaders } from './linux/kernel.ts';
import { flaggedSource, openMeshSource, type SourceChoice } from './open-mesh/sources.ts';

export interface ToolsOptions {
  batctl: SourceChoice;
  alfred: SourceChoice;
}

export async function batmanAdvTools({ batctl, alfred }: ToolsOptions) {
  const b = await openMeshSource('batctl', batctl);
  const a = await openMeshSource('alfred', alfred);
  return derivation({
    name: 'batman-adv-tools',
    version: b.version === a.version ? b.version : `${b.version}-${a.version}`,
    inputs: { batctl: b.src, alfred: a.src, libnl: await libnl3(), uapi: uapiHeaders() },
    // A local tree keeps its own version (its Makefile's git describe, else its source's default).
    env: { batctlVersion: b.version === 'src' ? '' : b.version, alfredVersion: a.version === 'src' ? '' : a.version },
    tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'cc', 'as', 'ld', 'make', 'strip'],
    builder: `
      phase unpack
      unpackSource "$batctl" batctl-src
      unpackSource "$alfred" alfred-src
      phase compile
      nl="-I$libnl/include/libnl3"
      libs=(PKG_CONFIG=unused LIBNL_CFLAGS="$nl" LIBNL_LDLIBS="$libnl/lib/libnl-3.a"
        LIBNL_GENL_CFLAGS="$nl" LIBNL_GENL_LDLIBS="$libnl/lib/libnl-genl-3.a $libnl/lib/libnl-3.a")
      # In the environment, not on make's command line: the Makefiles append to CFLAGS.
      export CFLAGS="-O2 -idirafter $uapi/include" LDFLAGS=-static
      make -C batctl-src -j"$BATU_CORES" CC=musl-gcc \${batctlVersion:+REVISION="$batctlVersion"} "\${libs[@]}" > /dev/null
      make -C alfred-src -j"$BATU_CORES" CC=musl-gcc \${alfredVersion:+REVISION="$alfredVersion"} \\
        CONFIG_ALFRED_GPSD=n CONFIG_ALFRED_CAPABILITIES=n "\${libs[@]}" > /dev/null
      phase install
      install -D -m 755 batctl-src/batctl "$out/usr/sbin/batctl"
      install -D -m 755 alfred-src/alfred "$out/usr/sbin/alfred"
      install -D -m 755 alfred-src/vis/batadv-vis "$out/usr/sbin/batadv-vis"
      strip "$out"/usr/sbin/*
    `,
  });
}

/** --version V, or per program --batctl-url/--batctl-sha256 or --batctl-src (and alfred's). */
export function toolsChoice(flags: RecipeFlags): ToolsOptions {
  const one = (pkg: 'batctl' | 'alfred'): SourceChoice => {
    const given = flaggedSource(flags, `${pkg}-`);
    if (given) return given;
    if (!flags.version)
      throw new RecipeError(`which ${pkg}? --version V, --${pkg}-url U --${pkg}-sha256 H, or --${pkg}-src DIR`);
    return flags.version;
  };
  return { batctl: one('batctl'), alfred: one('alfred') };
}

export const recipe = defineRecipe({
  name: 'batman-adv-tools',
  description: 'batctl, alfred and batadv-vis of an open-mesh release or your trees, static with musl',
  flags: {
    version: 'V  the release (open-mesh/releases.json pins them)',
    'batctl-url': 'URL  a batctl tarball (with --batctl-sha256)',
    'batctl-sha256': 'SHA256  of that tarball',
    'batctl-src': 'DIR  a batctl tree',
    'alfred-url': 'URL  an alfred tarball (with --alfred-sha256)',
    'alfred-sha256': 'SHA256  of that tarball',
    'alfred-src': 'DIR  an alfred tree',
  },
  make: (flags) => batmanAdvTools(toolsChoice(flags)),
});

await recipeMain(import.meta, recipe);
