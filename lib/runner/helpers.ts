// Small host-side C helpers (helpers/*.c beside this file), built through the store on first use:
// tapfd opens taps as descriptors, fdwire hands out socketpair links between nodes. They are
// built into the store the caller names (the one its kernel comes from) under a gc root:
// `store gc` between two meshes must not take them from under the next one.
import { join } from 'node:path';
import { hostC, realise, repoFiles, silentReporter, storeDir, storeOf } from '../derivations/index.ts';

export type Helper = 'tapfd' | 'fdwire';
const built = new Map<string, Promise<string>>();

const helpers = async () =>
  hostC({
    name: 'batu-host-helpers',
    src: await repoFiles('batu-host-helpers-src', new URL('./helpers', import.meta.url)),
    programs: { 'bin/tapfd': 'tapfd.c', 'bin/fdwire': 'fdwire.c' },
  });

/** The store helpers for a node go to: its kernel's, else the default one. */
export const helperStore = (kernel?: string) => (kernel && storeOf(kernel)) || storeDir();

/** Path of a helper binary, built into `store` if it is not there yet. */
export async function helperBinary(name: Helper, store: string): Promise<string> {
  let path = built.get(store);
  if (!path) {
    path = helpers()
      .then((d) => realise(d, { store, root: 'batu-host-helpers', report: silentReporter }))
      .then((r) => r.path);
    built.set(store, path);
    path.catch(() => built.delete(store));
  }
  return join(await path, 'bin', name);
}
