// alfred and batadv-vis for the guest. Route: Debian's binary package with its library
// closure (the source is served; a static musl build would also need libnl and libcap
// built static — left for later, see the issue note).
import { runRecipe } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';

export const alfred = debBinaries({
  name: 'alfred', version: '2023.0',
  packages: ['alfred', 'libnl-3-200', 'libnl-genl-3-200', 'libcap2', 'libc6'],
  files: ['usr/sbin/alfred', 'usr/sbin/batadv-vis'],
});

await runRecipe(import.meta, alfred);
