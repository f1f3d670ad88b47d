// linux-v15: a UML kernel with batman-adv (compat 15) built in, from Debian's
// linux-source-6.12 (default) or linux-source-6.1 (`--variant 6.1`); `--variant headers`:
// the uapi headers (headers_install) of the 6.12 source, for userland to compile against.
import { runRecipe } from '../lib/derivations/index.ts';
import { uapiHeaders, umlKernel, type KernelSeries } from './linux/kernel.ts';

export const linuxV15 = umlKernel({ series: '6.12', batmanAdv: true });
export const linuxV15On61 = umlKernel({ series: '6.1', batmanAdv: true });

export const linuxV15Variants: Record<KernelSeries, typeof linuxV15> = { '6.12': linuxV15, '6.1': linuxV15On61 };
const variants: Record<string, typeof linuxV15> = { ...linuxV15Variants, headers: uapiHeaders() };

await runRecipe(import.meta, ({ variant }) => {
  const chosen = variants[String(variant ?? '6.12')];
  if (!chosen)
    throw new Error(`unknown variant ${JSON.stringify(variant)} (known: ${Object.keys(variants).join(', ')})`);
  return chosen;
});
