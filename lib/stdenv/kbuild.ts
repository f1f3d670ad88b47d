// Kbuild's two kinds of derivation: a build of a Linux source tree (the UML kernels, their
// uapi headers) and an out-of-tree module against a built kernel. Both unpack, patch and
// run Kbuild the same reproducible way (prelude.sh: kernelSourceTar, applyPatches,
// kbuildReproducible).
import { derivation } from '../derivations/model/define.ts';
import type { Derivation, FixedSource, Input } from '../derivations/model/schema.ts';

const kbuildTools = [
  'make',
  'gcc',
  'cc',
  'as',
  'ld',
  'ar',
  'nm',
  'objcopy',
  'objdump',
  'strip',
  'readelf',
  'perl',
  'bc',
];

export interface KernelBuildOptions {
  name: string;
  version: string;
  /** A linux-source .deb (Debian's, pinned). */
  src: Extract<FixedSource, { type: 'deb' }>;
  /** Directories of *.patch applied in order with patch -p1 (inputs `patches0`, `patches1`, …). */
  patches?: Input[];
  /** Then directories of *.patch for one subtree, applied there (`net/batman-adv`: a module's patches). */
  subtreePatches?: { under: string; patches: Input }[];
  /** Further inputs the steps use by name ($config …). */
  inputs?: Record<string, Input>;
  env?: Record<string, string>;
  meta?: Derivation['meta'];
  /** Shell steps, run in the unpacked tree with the reproducible Kbuild environment. */
  configure?: string;
  compile: string;
  install?: string;
}

export function kernelBuild({
  name,
  version,
  src,
  patches = [],
  subtreePatches = [],
  inputs = {},
  env,
  meta,
  configure,
  compile,
  install,
}: KernelBuildOptions): Derivation {
  const patchInputs = Object.fromEntries([
    ...patches.map((p, i) => [`patches${i}`, p]),
    ...subtreePatches.map((s, i) => [`subtreePatches${i}`, s.patches]),
  ]);
  return derivation({
    name,
    version,
    env,
    meta,
    inputs: { src, ...inputs, ...patchInputs },
    tools: [...kbuildTools, 'flex', 'bison', 'rsync'],
    builder: [
      'phase unpack',
      'kernelSourceTar "$src" | tar -xJ && mv linux-source-* linux && cd linux',
      ...patches.map((_, i) => `applyPatches "$patches${i}"`),
      ...subtreePatches.map((s, i) => `(cd ${JSON.stringify(s.under)} && applyPatches "$subtreePatches${i}")`),
      'kbuildReproducible "$PWD=/build/linux"',
      ...(configure ? ['phase configure', configure.trim()] : []),
      'phase compile',
      compile.trim(),
      ...(install ? ['phase install', install.trim()] : []),
    ].join('\n'),
  });
}

export interface KernelModuleOptions {
  name: string;
  version: string;
  /** The kernel (a kernelBuild with a prepared build/ tree) the module must match. */
  kernel: Derivation;
  /** Source: a tree (directory pinned by content hash) or a tarball input. */
  src: Input;
  /** Directories of *.patch applied with patch -p1, in order. */
  patches?: Input[];
  /** Run in the source dir with $KERNEL_BUILD set; default: Kbuild's own M= build. */
  make?: string;
}

export function kernelModule({ name, version, kernel, src, patches = [], make }: KernelModuleOptions): Derivation {
  return derivation({
    name,
    version,
    // src first: a source that has to be `store add`ed fails before any kernel build.
    inputs: { src, ...Object.fromEntries(patches.map((p, i) => [`patches${i}`, p])), kernel },
    tools: kbuildTools,
    env: { makeCommand: make ?? 'make -C "$KERNEL_BUILD" ARCH=um M="$PWD" modules' },
    builder: [
      'phase unpack',
      'unpackSource "$src" src',
      '# Kbuild writes next to the prepared tree: work on a writable copy.',
      'cp -r "$kernel/build" kbuild && chmod -R u+w kbuild',
      'export KERNEL_BUILD="$PWD/kbuild"',
      'cd src',
      ...patches.map((_, i) => `applyPatches "$patches${i}"`),
      'phase compile',
      'kbuildReproducible "$PWD=/build/module" "$KERNEL_BUILD=/build/linux"',
      'eval "$makeCommand"',
      'phase install',
      'mkdir -p "$out/lib/modules"',
      'find . -name \'*.ko\' -exec install -m 644 {} "$out/lib/modules/" \\;',
      'ls "$out/lib/modules"/*.ko > /dev/null || { echo "no .ko was built" >&2; exit 1; }',
    ].join('\n'),
  });
}
