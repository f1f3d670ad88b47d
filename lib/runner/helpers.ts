// The runner's host helpers (helpers/*.c beside this file): tapfd opens taps as descriptors,
// fdwire hands out socketpair links between nodes. Built into the node's store on first use.
import { repoFiles, type Derivation, type Store } from '../derivations/index.ts';
import { helperFile, hostC } from '../stdenv/index.ts';

export type Helper = 'tapfd' | 'fdwire';

/** The helpers' derivation: what a prebuilt closure (the container image) must hold of the runner. */
export const runnerHelpers = async (): Promise<Derivation> =>
  hostC({
    name: 'batu-host-helpers',
    src: await repoFiles('batu-host-helpers-src', new URL('./helpers', import.meta.url)),
    programs: { 'bin/tapfd': 'tapfd.c', 'bin/fdwire': 'fdwire.c' },
  });

/** Path of a helper: the prebuilt closure's, else built into `store` if it is not there yet. */
export const helperBinary = (name: Helper, store: Store) => helperFile(runnerHelpers, `bin/${name}`, store);
