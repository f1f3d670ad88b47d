// The store's example recipe: a static hello, built with musl-gcc from a C file of this
// repository against the uapi headers of the pinned kernel source.
import { defineRecipe, lazy, recipeMain, repoFiles } from '../lib/derivations/index.ts';
import { staticC } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const hello = lazy(async () =>
  staticC({
    name: 'batu-hello',
    version: '1.0',
    src: await repoFiles('batu-hello-src', new URL('./hello', import.meta.url)),
    programs: { 'bin/batu-hello': 'hello.c' },
    uapi: uapiHeaders(),
    cflags: '-Os',
  }),
);

export const recipe = defineRecipe({ name: 'hello', description: "the store's example: a static hello", make: hello });

await recipeMain(import.meta, recipe);
