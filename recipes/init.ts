// The guest's init (guest/init/*.c): static with musl, against the uapi headers of the
// pinned kernel source (a derivation of the source alone, so a kernel config change does
// not rebuild init, and no Debian pin of its own that could rot).
import { defineRecipe, lazy, recipeMain, repoFiles } from '../lib/derivations/index.ts';
import { staticC } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const init = lazy(async () =>
  staticC({
    name: 'batu-init',
    src: await repoFiles('batu-init-src', new URL('../guest/init', import.meta.url)),
    programs: { 'bin/init': '*.c' },
    uapi: uapiHeaders(),
  }),
);

export const recipe = defineRecipe({ name: 'init', description: 'the guest init, static with musl', make: init });

await recipeMain(import.meta, recipe);
