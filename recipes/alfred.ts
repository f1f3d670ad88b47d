// alfred and batadv-vis for the guest. Route: Debian's binary package with its library
// closure. The source is served, and a static musl build against a static libnl works
// (commit c7e9925, recipes/alfred.ts and libnl3.ts there), but in full test runs its
// slaves intermittently never got a record from their master within 60 s (2 of 3 runs;
// never when the test ran alone), so the guest keeps Debian's build until that is understood.
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';
import { pins, upstream } from './pins.ts';

export const alfred = lazy(() =>
  debBinaries({
    name: 'alfred',
    version: upstream(pins.deb('alfred').version),
    packages: ['alfred', 'libnl-3-200', 'libnl-genl-3-200', 'libcap2', 'libc6'],
    files: ['usr/sbin/alfred', 'usr/sbin/batadv-vis'],
  }),
);

export const recipe = defineRecipe({
  name: 'alfred',
  description: "alfred and batadv-vis for the guest (Debian's, with their libraries)",
  make: alfred,
});

await recipeMain(import.meta, recipe);
