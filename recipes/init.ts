// The guest's init (guest/init/*.c): static with musl, against the kernel's uapi headers
// from Debian (not from our kernel build, so a kernel change does not rebuild init).
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { debs } from './userland/debian.ts';

export const init = derivation({
  name: 'batu-init',
  version: '1',
  inputs: { src: await repoFiles('batu-init-src', new URL('../guest/init', import.meta.url).pathname), uapi: debs['linux-libc-dev'] },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'],
  builder: `
    unpackDeb "$uapi" uapi
    phase compile
    mkdir -p "$out/bin"
    musl-gcc -static -O2 -Wall -Wextra -Werror -I uapi/usr/include -I uapi/usr/include/x86_64-linux-gnu \\
      -o "$out/bin/init" "$src"/*.c
    strip "$out/bin/init"
  `,
});

await runRecipe(import.meta, init);
