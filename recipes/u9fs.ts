// The guest's 9P2000.L file server behind `run_u9fs` (guest/u9fs/u9fs.c), static with
// musl. The original used Plan 9's u9fs, whose repository no longer exists; Debian's diod
// did the job at 2.8 MiB per node (glibc, Kerberos, Lua, munge and worker threads: 12.7
// MiB a node with it, 9.9 with this one, which is ~80 KB and idles as one small listener).
import { fileURLToPath } from 'node:url';
import { derivation, repoFiles, runRecipe } from '../lib/derivations/index.ts';

export const u9fs = derivation({
  name: 'u9fs',
  version: '1',
  inputs: { src: await repoFiles('batu-u9fs-src', fileURLToPath(new URL('../guest/u9fs', import.meta.url))) },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'],
  builder: `
    phase compile
    mkdir -p "$out/usr/sbin"
    musl-gcc -static -O2 -Wall -Wextra -Werror -o "$out/usr/sbin/u9fs" "$src"/*.c
    strip "$out/usr/sbin/u9fs"
  `,
});

await runRecipe(import.meta, u9fs);
