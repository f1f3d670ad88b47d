// The guest's 9P2000.L file server behind `run_u9fs` (guest/u9fs/u9fs.c), static with
// musl. The original used Plan 9's u9fs, whose repository no longer exists; Debian's diod
// did the job at 2.8 MiB per node (glibc, Kerberos, Lua, munge and worker threads: 12.7
// MiB a node with it, 9.9 with this one, which is ~80 KB and idles as one small listener).
import { defineRecipe, lazy, recipeMain, repoFiles } from '../lib/derivations/index.ts';
import { staticC } from '../lib/stdenv/index.ts';

export const u9fs = lazy(async () =>
  staticC({
    name: 'u9fs',
    src: await repoFiles('batu-u9fs-src', new URL('../guest/u9fs', import.meta.url)),
    programs: { 'usr/sbin/u9fs': '*.c' },
  }),
);

export const recipe = defineRecipe({
  name: 'u9fs',
  description: "the guest's 9P2000.L server, static with musl",
  make: u9fs,
});

await recipeMain(import.meta, recipe);
