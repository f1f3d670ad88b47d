// batctl for the guest. Route: Debian's binary package with its library closure —
// the registry serves no batctl source (its orig tarball is missing).
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';
import { pins, upstream } from './pins.ts';

export const batctl = lazy(() =>
  debBinaries({
    name: 'batctl',
    version: upstream(pins.deb('batctl').version),
    packages: ['batctl', 'libnl-3-200', 'libnl-genl-3-200', 'libc6'],
    files: ['usr/sbin/batctl'],
  }),
);

export const recipe = defineRecipe({
  name: 'batctl',
  description: "batctl for the guest (Debian's, with its libraries)",
  make: batctl,
});

await recipeMain(import.meta, recipe);
