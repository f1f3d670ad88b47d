// Simulated time's host helpers (helpers/*.c beside this file): simcal, the calendar that
// orders every node's time, and seedrandom.so, the nodes' seeded getrandom (LD_PRELOAD).
import { repoFiles, type Derivation, type Store } from '../derivations/index.ts';
import { helperFile, hostC } from '../stdenv/index.ts';

const source = () => repoFiles('batu-sim-helpers-src', new URL('./helpers', import.meta.url));

const calendar = async (): Promise<Derivation> =>
  hostC({ name: 'batu-sim-calendar', src: await source(), programs: { 'bin/simcal': 'simcal.c' } });
/** A shared object for LD_PRELOAD: its own derivation, as its flags differ. */
const preload = async (): Promise<Derivation> =>
  hostC({
    name: 'batu-sim-preload',
    src: await source(),
    programs: { 'lib/seedrandom.so': 'seedrandom.c' },
    cflags: '-O2 -Wall -Wextra -Werror -shared -fPIC',
  });

/** Both derivations: what a prebuilt closure (the container image) must hold of lib/sim. */
export const simHelpers = async () => [await calendar(), await preload()];

export const simcalBinary = (store: Store) => helperFile(calendar, 'bin/simcal', store);
export const seedrandomLibrary = (store: Store) => helperFile(preload, 'lib/seedrandom.so', store);
