// linux-v15: a UML kernel with batman-adv (compat 15) built in, from Debian's
// linux-source-6.12 (default) or linux-source-6.1 (`--variant 6.1`), with batu's patches to
// batman-adv (recipes/batman-adv/idle); `--variant stock`: 6.12 with batman-adv exactly as the
// source has it; `--variant debug`: 6.12 as a debug kernel (KASAN, UBSAN, kmemleak, lockdep,
// batman-adv's log and trace events, symbols; linux/debug/debug.config); `--variant headers`: the uapi headers (headers_install) of the 6.12 source,
// for userland to compile against.
import { defineRecipe, lazy, recipeMain, type Derivation } from '../lib/derivations/index.ts';
import { uapiHeaders, umlKernel } from './linux/kernel.ts';

export const linuxV15 = lazy(() => umlKernel({ series: '6.12', batmanAdv: true }));
export const linuxV15On61 = lazy(() => umlKernel({ series: '6.1', batmanAdv: true }));
export const linuxV15Stock = lazy(() => umlKernel({ series: '6.12', batmanAdv: 'stock' }));
export const linuxV15Debug = lazy(() => umlKernel({ series: '6.12', batmanAdv: true, debug: true }));

const byVariant: Record<string, () => Derivation | Promise<Derivation>> = {
  '6.12': linuxV15,
  '6.1': linuxV15On61,
  stock: linuxV15Stock,
  debug: linuxV15Debug,
  headers: () => uapiHeaders(),
};

export const recipe = defineRecipe({
  name: 'linux-v15',
  description: 'UML kernel with batman-adv (compat 15) built in',
  variants: {
    '6.12': 'Linux 6.12 (the default)',
    '6.1': 'Linux 6.1',
    stock: "Linux 6.12 with upstream's batman-adv unchanged",
    debug: 'Linux 6.12 as a debug kernel: KASAN, UBSAN, kmemleak, lockdep, batman-adv debug log, gdb symbols',
    headers: 'the uapi headers of the 6.12 source',
  },
  make: ({ variant = '6.12' }) => byVariant[variant](),
});

await recipeMain(import.meta, recipe);
