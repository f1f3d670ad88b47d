// tc (iproute2) for the guest: netem on a node's hard interfaces gives links loss, delay,
// jitter and rate inside the guest, for both link backends (this host's kernel has no
// netem; a rootless mesh has no host devices to shape). Route: Debian's binary package with
// its library closure (iproute2's source would pull in the whole libbpf/libelf build).
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';
import { pins, upstream } from './pins.ts';

/** iproute2 and every package its programs' libraries come from. */
export const IPROUTE2_CLOSURE = [
  'iproute2',
  'libbpf1',
  'libelf1',
  'libmnl0',
  'libbsd0',
  'libcap2',
  'libxtables12',
  'zlib1g',
  'libmd0',
  'libc6',
];

export const tc = lazy(() =>
  debBinaries({
    name: 'tc',
    version: upstream(pins.deb('iproute2').version),
    packages: IPROUTE2_CLOSURE,
    files: ['sbin/tc'],
  }),
);

export const recipe = defineRecipe({
  name: 'tc',
  description: "tc (iproute2) for the guest's netem (Debian's, with its libraries)",
  make: tc,
});

await recipeMain(import.meta, recipe);
