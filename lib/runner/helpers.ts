// Small host-side C helpers (helpers/*.c beside this file), built through the store on first use:
// tapfd opens taps as descriptors, fdwire hands out socketpair links between nodes. A gc
// root keeps them: `store gc` between two meshes must not take them from under the next one.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostC, realise, repoFiles, silentReporter, type Derivation } from '../derivations/index.ts';

export type Helper = 'tapfd' | 'fdwire';
let built: Promise<string> | undefined;

async function helpersDerivation(): Promise<Derivation> {
  return hostC({
    name: 'batu-host-helpers',
    src: await repoFiles('batu-host-helpers-src', fileURLToPath(new URL('./helpers', import.meta.url))),
    programs: { 'bin/tapfd': 'tapfd.c', 'bin/fdwire': 'fdwire.c' },
  });
}

/** Path of a helper binary. */
export async function helperBinary(name: Helper): Promise<string> {
  built ??= helpersDerivation().then((d) => realise(d, { root: 'batu-host-helpers', report: silentReporter })).then((r) => r.path);
  return join(await built, 'bin', name);
}
