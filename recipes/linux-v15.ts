// linux-v15: a UML kernel with batman-adv (compat 15) built in, from Debian's
// linux-source-6.12 (default) or linux-source-6.1 (`--variant 6.1`); `--variant headers`:
// the uapi headers (headers_install) of the 6.12 source, for userland to compile against.
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { uapiHeaders, umlKernel } from './linux/kernel.ts';

export const linuxV15 = lazy(() => umlKernel({ series: '6.12', batmanAdv: true }));
export const linuxV15On61 = lazy(() => umlKernel({ series: '6.1', batmanAdv: true }));

export const recipe = defineRecipe({
  name: 'linux-v15',
  description: 'UML kernel with batman-adv (compat 15) built in',
  variants: { '6.12': 'Linux 6.12 (the default)', '6.1': 'Linux 6.1', headers: 'the uapi headers of the 6.12 source' },
  make: ({ variant }) => (variant === 'headers' ? uapiHeaders() : variant === '6.1' ? linuxV15On61() : linuxV15()),
});

await recipeMain(import.meta, recipe);
