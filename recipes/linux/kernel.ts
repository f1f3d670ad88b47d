// The UML kernel build shared by linux-v15 and linux-v14: Debian's kernel source, our
// config fragment merged onto defconfig and checked, then `linux` + what modules need.
import { fileURLToPath } from 'node:url';
import { derivation, repoFiles, type Input } from '../../lib/derivations/index.ts';
import { pins, upstream } from '../pins.ts';

/** Debian's kernel sources (pinned in recipes/debian-pins.json). Both speak batman-adv compat 15. */
export const kernelSources = {
  '6.12': pins.deb('linux-source-6.12'),
  '6.1': pins.deb('linux-source-6.1'),
};
export type KernelSeries = keyof typeof kernelSources;

const kernelTools = ['make', 'gcc', 'cc', 'as', 'ld', 'ar', 'nm', 'objcopy', 'objdump', 'strip', 'readelf',
  'flex', 'bison', 'bc', 'perl', 'rsync'];

/** Unpacks the source tarball inside a linux-source .deb into ./linux and enters it. */
const unpackKernelSource = `unpackKernelSource() {
  dpkg-deb --fsys-tarfile "$1"/*.deb | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | tar -xJ
  mv linux-source-* linux && cd linux
}`;

/**
 * The uapi headers (\`headers_install\`: \`$out/include\`) userland compiles against. UML
 * cannot export headers; those of its host arch are what guest programs use. A derivation
 * of their own: they depend on the source only, not on a kernel's config (like Nix's
 * linuxHeaders), and they need no pin beyond the kernel source's.
 */
export function uapiHeaders(series: KernelSeries = '6.12') {
  const src = kernelSources[series];
  return derivation({
    name: 'linux-uapi-headers',
    version: upstream(src.version),
    inputs: { src },
    tools: kernelTools,
    builder: `
      ${unpackKernelSource}
      phase unpack
      unpackKernelSource "$src"
      phase install
      make ARCH=x86 headers_install INSTALL_HDR_PATH="$out" > /dev/null
    `,
  });
}

/**
 * The builder step that applies the patches in input \`$<key>\` (a dir of *.patch, \`patch -p1\`,
 * in order). Builders include it only when they have patches: the others keep their hashes.
 */
export const applyPatches = (key = 'patches') => `
      for p in "$${key}"/*.patch; do phase "patch $(basename "$p")"; patch -p1 < "$p"; done`;

const fragment = await repoFiles('batu-uml-config', fileURLToPath(new URL('./config', import.meta.url)));
/**
 * Every UML kernel's fixes for the host it runs on: the host's whole XSAVE area for
 * ptrace (without it UML dies at its first process on hosts with AMX).
 */
const hostFixes = await repoFiles('batu-uml-host-fixes', fileURLToPath(new URL('./patches/host', import.meta.url)));
/** batu's option patches to UML: the vector driver's `vnet=1` on inherited descriptors (the offload option's links). */
const offloadPatches = await repoFiles('batu-uml-patches', fileURLToPath(new URL('./patches/offload', import.meta.url)));

export interface KernelOptions {
  series: KernelSeries;
  /** false: batman-adv is left out, for an out-of-tree module (recipes/batman-adv.ts). */
  batmanAdv: boolean;
  /** 'defconfig': without the fragment's speed section (-O2, debug checks off), for A/B benchmarks. */
  tuning?: 'speed' | 'defconfig';
  /** Patch files applied to the source with `patch -p1`, in order (e.g. repoFiles of a patches dir). */
  patches?: Input;
}

export function umlKernel({ series, batmanAdv, tuning = 'speed', patches }: KernelOptions) {
  const src = kernelSources[series];
  // The defconfig variant merges the fragment minus its speed section (up to the next blank line).
  // The fragment as asked: without its speed section (defconfig tuning), without the
  // batman-adv options (they cannot be =y when BATMAN_ADV is off).
  const filters = [...(tuning === 'speed' ? [] : ['/^# --- speed/,/^$/d']), ...(batmanAdv ? [] : ['/CONFIG_BATMAN_ADV/d'])];
  const fragmentFile = filters.length ? '../fragment.config' : '"$config/uml.config"';
  const makeBase = filters.length ? `sed ${filters.map((f) => `-e '${f}'`).join(' ')} "$config/uml.config" > ../fragment.config\n      ` : '';
  return derivation({
    name: `${batmanAdv ? 'linux-uml' : 'linux-uml-nobatman'}${tuning === 'speed' ? '' : '-defconfig'}`,
    version: upstream(src.version),
    inputs: { src, config: fragment, fixes: hostFixes, ...(patches ? { patches } : {}) },
    // Later fragments win: this one turns batman-adv off for out-of-tree builds.
    // Without batman-adv, still the library it selects, which its module then needs built in.
    env: { extraConfig: batmanAdv ? '' : '# CONFIG_BATMAN_ADV is not set\nCONFIG_LIBCRC32C=y\n' },
    tools: kernelTools,
    meta: { progress: { count: '^\\s+CC\\s', unit: 'files compiled', expected: 1000 } },
    builder: `
      ${unpackKernelSource}
      phase unpack
      unpackKernelSource "$src"${applyPatches('fixes')}${patches ? applyPatches() : ''}
      # Reproducible: no dates, users, hosts or build paths in the binary.
      export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:01 UTC 1970' KBUILD_BUILD_USER=batu \\
        KBUILD_BUILD_HOST=batu KBUILD_BUILD_VERSION=1
      export KCFLAGS="-ffile-prefix-map=$PWD=/build/linux" KAFLAGS="-ffile-prefix-map=$PWD=/build/linux"
      phase configure
      printf '%s' "$extraConfig" > ../extra.config
      ${makeBase}make ARCH=um defconfig > /dev/null
      scripts/kconfig/merge_config.sh -m .config ${fragmentFile} ../extra.config > /dev/null
      make ARCH=um olddefconfig > /dev/null
      bash "$config/check-config.sh" .config ${fragmentFile} ../extra.config
      phase compile
      make ARCH=um -j"$BATU_CORES" linux modules   # modules: for Module.symvers
      phase install
      install -D -m 755 linux "$out/bin/linux"
      install -D -m 644 .config "$out/config"
      bash "$config/install-build-tree.sh" "$out/build"
    `,
  });
}

/**
 * The kernel out-of-tree batman-adv modules are built against and boot on: without
 * batman-adv; for 6.12 with batu's UML patches too (they only add options).
 */
export function moduleKernel(series: KernelSeries) {
  return umlKernel({ series, batmanAdv: false, ...(series === '6.12' ? { patches: offloadPatches } : {}) });
}
