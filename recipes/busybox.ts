// A shell for the guest, an image extra (not in the default image): Debian's static busybox
// as /bin/busybox and /bin/sh. Its shell runs busybox's applets by name (cat, ls, ps …)
// without links for them, so nothing the image has (ip, tc …) is shadowed.
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';
import { pins, upstream } from './pins.ts';

export const busybox = lazy(() =>
  debBinaries({
    name: 'busybox',
    version: upstream(pins.deb('busybox-static').version),
    packages: ['busybox-static'],
    files: ['bin/busybox'],
    postInstall: 'ln -s busybox "$out/bin/sh"',
  }),
);

export const recipe = defineRecipe({
  name: 'busybox',
  description: "a shell for the guest: Debian's static busybox as /bin/sh (an image extra)",
  make: busybox,
});

await recipeMain(import.meta, recipe);
