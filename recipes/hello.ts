// The store's example recipe: a static hello, built with musl-gcc from a C file of this
// repository against the uapi headers of the pinned kernel source.
import { repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { staticC } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const hello = staticC({
  name: 'batu-hello',
  version: '1.0',
  src: await repoFiles('batu-hello-src', new URL('./hello', import.meta.url)),
  programs: { 'bin/batu-hello': 'hello.c' },
  uapi: uapiHeaders(),
  cflags: '-Os',
});

await runRecipe(import.meta, hello);
