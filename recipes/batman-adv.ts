// batman-adv as an out-of-tree module, built against the 6.12 kernel variant without
// batman-adv: its .ko goes into an image whose init loads it before creating bat0. From an
// open-mesh release (pinned: open-mesh/releases.json), any tarball by URL and sha256, your
// own tree (hashed by content: unchanged, nothing rebuilds), or a tree put in with store add.
//
//   npx tsx recipes/batman-adv.ts --version 2026.2
//   npx tsx recipes/batman-adv.ts --url https://…/batman-adv-2026.2.tar.gz --sha256 <hash>
//   npx tsx recipes/batman-adv.ts --src ~/src/batman-adv
//   npx batu store add batman-adv-2024.3.tar.gz     # prints the tree hash, then:
//   npx tsx recipes/batman-adv.ts --source-sha256 <hash> --source-name batman-adv-2024.3
import {
  defineRecipe,
  recipeMain,
  RecipeError,
  tree,
  type Derivation,
  type Input,
  type RecipeFlags,
} from '../lib/derivations/index.ts';
import { kernelModule } from '../lib/stdenv/index.ts';
import { moduleKernel, type KernelSeries } from './linux/kernel.ts';
import { flaggedSource, openMeshSource, type SourceChoice } from './open-mesh/sources.ts';
import { batmanAdvTools, type ToolsOptions } from './batman-adv-tools.ts';
import { busybox } from './busybox.ts';
import { guestImage } from './image.ts';

export interface BatmanAdvOptions {
  /** A release's unpacked tree, pinned by its content hash (`store add` prints it), or a tarball. */
  src: Input;
  version: string;
  series?: KernelSeries;
  patches?: Input;
  /** The kernel to build against (default: the module kernel of `series`). */
  kernel?: Derivation;
  /**
   * For the debug module kernel (recipes/linux/debug): -O1 for gdb (-Og fails the kernel's compile-time min() checks), batman-adv's log
   * (BATMAN_ADV_DEBUG: batctl log, loglevel) and its trace events.
   */
  debug?: boolean;
  /**
   * batman-adv's own options, on or off (BLA, DAT, MCAST, BATMAN_V, DEBUG…: its Makefile's
   * CONFIG_BATMAN_ADV_<NAME>); an option this source does not have fails the build, naming it.
   */
  config?: Record<string, boolean>;
}

/** The make arguments (and their check) of a module's options. */
function configMake(config: Record<string, boolean>): { check: string; args: string } {
  const names = Object.keys(config).sort();
  for (const name of names)
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new RecipeError(`bad batman-adv option ${JSON.stringify(name)}`);
  return {
    check: names
      .map(
        (n) =>
          `grep -qw CONFIG_BATMAN_ADV_${n} Makefile || { echo "this batman-adv has no option ${n} (CONFIG_BATMAN_ADV_${n})" >&2; exit 3; }; `,
      )
      .join(''),
    args: names.map((n) => ` CONFIG_BATMAN_ADV_${n}=${config[n] ? 'y' : 'n'}`).join(''),
  };
}

const debugMake = ' CONFIG_BATMAN_ADV_DEBUG=y CONFIG_BATMAN_ADV_TRACING=y';

export async function batmanAdvModule({
  src,
  version,
  series = '6.12',
  patches,
  kernel,
  debug = false,
  config,
}: BatmanAdvOptions) {
  const options = config ? configMake(config) : { check: '', args: '' };
  const configName = config
    ? `-${Object.keys(config)
        .sort()
        .map((n) => `${config[n] ? '' : 'no'}${n.toLowerCase().replace(/_/g, '')}`)
        .join('-')}`
    : '';
  return kernelModule({
    name: `batman-adv-module${debug ? '-debug' : ''}${configName}`,
    version,
    src,
    patches: patches ? [patches] : [],
    kernel: kernel ?? (await moduleKernel(series, { debug })),
    // batman-adv's own Makefile: builds net/batman-adv with its compat layer. That layer picks
    // fields by kernel version, but 6.12.y stable renamed dev->netns_local to netns_immutable
    // (a 6.15 change backported): name the old field as the kernel now spells it (its Makefile
    // adds CFLAGS from the environment to every file).
    make:
      options.check +
      (debug ? 'export CFLAGS="-O1"; ' : '') +
      `grep -q netns_immutable "$KERNEL_BUILD/include/linux/netdevice.h" && export CFLAGS="${debug ? '$CFLAGS ' : ''}-Dnetns_local=netns_immutable"; ` +
      `make -j"$BATU_CORES" KERNELPATH="$KERNEL_BUILD" ARCH=um CONFIG_BATMAN_ADV_BATMAN_V=y${debug ? debugMake : ''}${options.args}`,
  });
}

/** The module of a release, a tarball or a tree (see open-mesh/sources.ts); `debug`: for the debug kernel. */
export async function batmanAdvOf(
  choice: SourceChoice,
  { debug = false, series, config }: Pick<BatmanAdvOptions, 'debug' | 'series' | 'config'> = {},
) {
  return batmanAdvModule({ ...(await openMeshSource('batman-adv', choice)), debug, series, config });
}

/**
 * What a node of that batman-adv boots: the module kernel, and an image whose init loads the
 * module, with batctl, alfred and batadv-vis of the same release (a version) or of `tools`
 * (else Debian's, as in the default image); `shell`: with the shell extra (recipes/busybox.ts);
 * `debug`: the debug module kernel and the module built for it.
 */
export async function batmanAdvNode(choice: SourceChoice, tools?: ToolsOptions, { shell = false, debug = false } = {}) {
  const module = await batmanAdvOf(choice, { debug });
  const userland = tools ?? (typeof choice === 'string' ? { batctl: choice, alfred: choice } : undefined);
  const image = await guestImage({
    name: `batu-image-batman-adv-${module.version}${debug ? '-debug' : ''}${shell ? '-shell' : ''}`,
    modules: [module],
    extras: [...(userland ? [await batmanAdvTools(userland)] : []), ...(shell ? [await busybox()] : [])],
  });
  return { kernel: await moduleKernel('6.12', { debug }), module, image };
}

/** The flags' choice: --version V, --url U --sha256 H, or --src DIR. */
export function batmanAdvChoice(flags: RecipeFlags): SourceChoice | undefined {
  const given = flaggedSource(flags);
  if (given && 'url' in given && flags.version) return { ...given, version: flags.version };
  return given ?? flags.version;
}

export const recipe = defineRecipe({
  name: 'batman-adv',
  description: 'batman-adv of an open-mesh release, a tarball or your tree, as an out-of-tree module',
  flags: {
    version: 'V  an open-mesh release (open-mesh/releases.json pins them)',
    url: 'URL  a release tarball (with --sha256)',
    sha256: 'SHA256  of that tarball',
    src: 'DIR  your batman-adv tree (a git checkout of the external module)',
    'source-sha256': 'SHA256  a tree put in with store add (store add prints its hash)',
    'source-name': 'NAME  its name in the store, e.g. batman-adv-2024.3',
  },
  make: (flags) => {
    const { 'source-sha256': sha256, 'source-name': name } = flags;
    if (sha256 || name) {
      if (!sha256 || !name) throw new RecipeError('--source-sha256 and --source-name go together');
      return batmanAdvModule({ src: tree({ name, sha256 }), version: name.replace(/^batman-adv-/, '') });
    }
    const choice = batmanAdvChoice(flags);
    if (!choice)
      throw new RecipeError(
        'which batman-adv? --version V (a release), --url U --sha256 H (a tarball), --src DIR (your tree), or --source-sha256 H --source-name N (store add)',
      );
    return batmanAdvOf(choice);
  },
});

await recipeMain(import.meta, recipe);
