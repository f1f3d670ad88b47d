// The guest's init (guest/init/*.c): static with musl, against the uapi headers of the
// pinned kernel source (a derivation of the source alone, so a kernel config change does
// not rebuild init, and no Debian pin of its own that could rot).
import { fileURLToPath } from 'node:url';
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';
import { uapiHeaders } from './linux/kernel.ts';

export const init = derivation({
  name: 'batu-init',
  version: '1',
  inputs: { src: await repoFiles('batu-init-src', fileURLToPath(new URL('../guest/init', import.meta.url))), uapi: uapiHeaders() },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'],
  builder: `
    phase compile
    mkdir -p "$out/bin"
    musl-gcc -static -O2 -Wall -Wextra -Werror -I "$uapi/include" -o "$out/bin/init" "$src"/*.c
    strip "$out/bin/init"
  `,
});

await runRecipe(import.meta, init);
