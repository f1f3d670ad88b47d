// socat for the guest. Route: Debian's binary package with its library closure (OpenSSL
// and Kerberos libraries come along: ~7 MB; a static source build without them is the
// obvious size win, noted in the issue).
import { runRecipe } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';

export const socat = debBinaries({
  name: 'socat', version: '1.7.4.4',
  packages: ['socat', 'libwrap0', 'libssl3', 'libnsl2', 'libtirpc3', 'libgssapi-krb5-2', 'libkrb5-3',
    'libk5crypto3', 'libcom-err2', 'libkrb5support0', 'libkeyutils1', 'libc6'],
  files: ['usr/bin/socat'],
});

await runRecipe(import.meta, socat);
