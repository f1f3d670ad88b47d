// The UML kernels (linux-v15, and the kernel out-of-tree batman-adv modules boot on), from
// Debian's kernel source: kernelBuild steps.
import { readFileSync } from 'node:fs';
import { lazy, repoFiles, type Input } from '../../lib/derivations/index.ts';
import { kernelBuild } from '../../lib/stdenv/index.ts';
import { upstream } from '../pins.ts';
import { kernelFeaturesFile } from '../../lib/runner/kernel-features.ts';
import { kernelSource, type KernelSeries } from './sources.ts';

export { kernelSource, kernelSeries, type KernelSeries } from './sources.ts';
export { uapiHeaders } from './headers.ts';

const dir = (d: string) => repoFiles(`batu-uml-${d.replace(/\W+/g, '-')}`, new URL(`./${d}`, import.meta.url));
// Every kernel gets the host fixes (ptrace wants the host's whole XSAVE area, AMX); the
// default kernel and the module kernel batu's vector driver (patches/offload: `vnet=1` on
// inherited descriptors, a SIGIO per busy period rather than per frame, small frames copied
// out of 64 KB buffers, frames and console input that wake a node in simulated time, and
// free guest memory given back to the host); a built-in batman-adv batu's own patches unless stock.
const parts = lazy(async () => {
  const [fragment, hostFixes, vectorDriver] = await Promise.all(['config', 'patches/host', 'patches/offload'].map(dir));
  return { fragment, hostFixes, vectorDriver };
});
/** Fixes only the debug kernel needs (what its checkers trip over that a plain kernel does not). */
const debugPatches = lazy(() => dir('debug/patches'));

const batmanAdvDir = (d: string) =>
  repoFiles(`batman-adv-${d}-patches`, new URL(`../batman-adv/${d}`, import.meta.url));

/** batu's patches to batman-adv itself, in every batman-adv it builds but stock (paths relative to net/batman-adv). */
export const batmanAdvPatches = lazy(() => batmanAdvDir('idle'));
/** GSO through batman-adv (recipes/batman-adv/offload): in the default kernel, 6.12. */
const batmanAdvOffload = lazy(() => batmanAdvDir('offload'));

export interface KernelOptions {
  series: KernelSeries;
  /**
   * true: built in, with batu's patches (recipes/batman-adv/idle); 'stock': built in exactly as
   * the kernel source has it; false: left out, for an out-of-tree module (recipes/batman-adv.ts).
   */
  batmanAdv: boolean | 'stock';
  tuning?: 'speed' | 'defconfig'; // defconfig: without the fragment's speed section, for A/B benches
  /** batu's vector driver (patches/offload); implied by a built-in batman-adv on 6.12. */
  vectorDriver?: boolean;
  /** A directory of patches applied after the host fixes (`patch -p1`, in order). */
  patches?: Input;
  /** Config lines merged last (e.g. `CONFIG_DEBUG_FS=y` for compat 14's tables). */
  extraConfig?: string;
  /**
   * The debug kernel (debug/debug.config): KASAN, UBSAN, kmemleak, lockdep, batman-adv's log and
   * trace events, symbols for gdb; without the fragment's speed section.
   */
  debug?: boolean;
}

/** debug/debug.config; without batman-adv's lines for a kernel without batman-adv (they cannot be set there). */
function debugConfig(batmanAdv: boolean): string {
  const text = readFileSync(new URL('./debug/debug.config', import.meta.url), 'utf8');
  return batmanAdv ? text : text.replace(/^.*CONFIG_BATMAN_ADV.*\n/gm, '');
}

export async function umlKernel(options: KernelOptions) {
  const { series, batmanAdv, patches, debug = false } = options;
  // The debug kernel leaves out the speed section (it turns SLUB_DEBUG, frame pointers and debug info off).
  const tuning = debug ? 'defconfig' : (options.tuning ?? 'speed');
  const extraConfig = (options.extraConfig ?? '') + (debug ? debugConfig(Boolean(batmanAdv)) : '');
  const { fragment, hostFixes, vectorDriver } = await parts();
  // GSO through batman-adv, said in the kernel's features file (meshes turn offload on by it).
  // The patches are written against 6.12.
  const offload = batmanAdv === true && series === '6.12';
  const vector = offload || (options.vectorDriver === true && series === '6.12');
  // What the kernel offers beyond upstream (lib/runner/kernel-features.ts), one word a line.
  const offers = [...(offload ? ['offload'] : []), ...(vector ? ['sim-wake'] : []), ...(debug ? ['debug'] : [])];
  const features = offers.length ? `\n      printf '%s\\n' ${offers.join(' ')} > "$out/${kernelFeaturesFile}"` : '';
  // The fragment as asked: without its speed section (defconfig tuning), without the batman-adv
  // options (they cannot be =y when BATMAN_ADV is off, which turns on the library its module needs).
  const drop = [
    ...(tuning === 'speed' ? [] : ['/^# --- speed/,/^$/d']),
    ...(batmanAdv ? [] : ['/CONFIG_BATMAN_ADV/d']),
  ];
  return kernelBuild({
    name: `${batmanAdv ? 'linux-uml' : 'linux-uml-nobatman'}${batmanAdv === 'stock' ? '-stock' : ''}${debug ? '-debug' : tuning === 'speed' ? '' : '-defconfig'}`,
    version: upstream(kernelSource(series).version),
    src: kernelSource(series),
    inputs: { config: fragment },
    patches: [
      hostFixes,
      ...(vector ? [vectorDriver] : []),
      ...(debug ? [await debugPatches()] : []),
      ...(patches ? [patches] : []),
    ],
    subtreePatches: [
      ...(batmanAdv === true ? [await batmanAdvPatches()] : []),
      ...(offload ? [await batmanAdvOffload()] : []),
    ].map((p) => ({ under: 'net/batman-adv', patches: p })),
    env: { extraConfig: (batmanAdv ? '' : '# CONFIG_BATMAN_ADV is not set\nCONFIG_LIBCRC32C=y\n') + extraConfig },
    meta: { progress: { count: '^\\s+CC\\s', unit: 'files compiled', expected: 1000 } },
    configure: `
      sed ${drop.map((d) => `-e '${d}'`).join(' ') || "''"} "$config/uml.config" > ../fragment.config
      printf '%s' "$extraConfig" > ../extra.config
      make ARCH=um defconfig > /dev/null
      scripts/kconfig/merge_config.sh -m .config ../fragment.config ../extra.config > /dev/null
      make ARCH=um olddefconfig > /dev/null
      bash "$config/check-config.sh" .config ../fragment.config ../extra.config`,
    compile: 'make ARCH=um -j"$BATU_CORES" linux modules   # modules: for Module.symvers',
    install: `
      install -D -m 755 linux "$out/bin/linux"
      install -D -m 644 .config "$out/config"
      bash "$config/install-build-tree.sh" "$out/build"${features}`,
  });
}

/** The kernel out-of-tree batman-adv modules build against and boot on: no batman-adv; 6.12 with batu's vector driver. */
export const moduleKernel = (series: KernelSeries, { debug = false } = {}) =>
  umlKernel({ series, batmanAdv: false, vectorDriver: true, debug });
