// The store's example recipe: a static hello, built with musl-gcc from a C file of this
// repository against the uapi headers of the pinned kernel source.
import { fileURLToPath } from 'node:url';
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const hello = derivation({
  name: 'batu-hello',
  version: '1.0',
  inputs: {
    src: await repoFiles('batu-hello-src', fileURLToPath(new URL('./hello', import.meta.url))),
    uapi: uapiHeaders(),
  },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'],
  builder: `
    phase compile
    mkdir -p "$out/bin"
    musl-gcc -static -Os -I "$uapi/include" -o "$out/bin/batu-hello" "$src/hello.c"
    strip "$out/bin/batu-hello"
  `,
});

await runRecipe(import.meta, hello);
