// Small host-side C helpers (helpers/*.c beside this file), built through the store on first use:
// tapfd opens taps as descriptors, fdwire hands out socketpair links between nodes, simcal is
// the calendar of simulated time (lib/sim), seedrandom.so its nodes' seeded getrandom. They
// are built into the store the caller names (the one its kernel comes from) under a gc root:
// `store gc` between two meshes must not take them from under the next one.
import { join } from 'node:path';
import { hostC, prebuilt, realise, repoFiles, silentReporter, storeDir, storeOf } from '../derivations/index.ts';
import type { Derivation } from '../derivations/index.ts';

export type Helper = 'tapfd' | 'fdwire' | 'simcal' | 'seedrandom.so';
const built = new Map<string, Promise<string>>();

const source = () => repoFiles('batu-host-helpers-src', new URL('./helpers', import.meta.url));
const programs = async () =>
  hostC({
    name: 'batu-host-helpers',
    src: await source(),
    programs: { 'bin/tapfd': 'tapfd.c', 'bin/fdwire': 'fdwire.c', 'bin/simcal': 'simcal.c' },
  });
/** A shared object for LD_PRELOAD: its own derivation, as its flags differ. */
const preload = async () =>
  hostC({
    name: 'batu-sim-preload',
    src: await source(),
    programs: { 'lib/seedrandom.so': 'seedrandom.c' },
    cflags: '-O2 -Wall -Wextra -Werror -shared -fPIC',
  });

/** Both helper derivations: what a prebuilt closure (the container image) must hold. */
export const helperDerivations = async () => [await programs(), await preload()];

const recipes: Record<Helper, [() => Promise<Derivation>, string]> = {
  tapfd: [programs, 'bin/tapfd'],
  fdwire: [programs, 'bin/fdwire'],
  simcal: [programs, 'bin/simcal'],
  'seedrandom.so': [preload, 'lib/seedrandom.so'],
};

/** The store helpers for a node go to: its kernel's, else the default one. */
export const helperStore = (kernel?: string) => (kernel && storeOf(kernel)) || storeDir();

/** Path of a helper: the prebuilt closure's, else built into `store` if it is not there yet. */
export async function helperBinary(name: Helper, store: string): Promise<string> {
  const [recipe, file] = recipes[name];
  const ready = prebuilt();
  if (ready) {
    const { name: drv } = await recipe();
    const path = ready.helpers[drv];
    if (!path) throw new Error(`the helper ${name} is not in the prebuilt closure (BATU_PREBUILT has no ${drv})`);
    return join(path, file);
  }
  const key = `${store}\0${recipe.name}`;
  let path = built.get(key);
  if (!path) {
    path = recipe()
      .then((d) => realise(d, { store, root: d.name, report: silentReporter }))
      .then((r) => r.path);
    built.set(key, path);
    path.catch(() => built.delete(key));
  }
  return join(await path, file);
}
