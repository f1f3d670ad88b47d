// The store's example recipe: a static hello, built with musl-gcc from a C file of this
// repository against the uapi headers of a pinned Debian package.
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { debs } from './userland/debian.ts';

export const uapiHeaders = debs['linux-libc-dev'];

export const hello = derivation({
  name: 'batu-hello',
  version: '1.0',
  inputs: {
    src: await repoFiles('batu-hello-src', new URL('./hello', import.meta.url).pathname),
    uapi: uapiHeaders,
  },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'],
  builder: `
    phase unpack
    unpackDeb "$uapi" uapi
    phase compile
    mkdir -p "$out/bin"
    musl-gcc -static -Os -I uapi/usr/include -I uapi/usr/include/x86_64-linux-gnu \\
      -o "$out/bin/batu-hello" "$src/hello.c"
    strip "$out/bin/batu-hello"
  `,
});

await runRecipe(import.meta, hello);
