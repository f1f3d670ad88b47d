// The guest's 9P file server behind `run_u9fs`. The original used u9fs (plain 9P2000),
// whose repository no longer exists; batu uses Debian's diod (9P2000.L) and keeps the
// name. Route: Debian's binary package with its library closure.
import { runRecipe } from '../lib/derivations/index.ts';
import { debBinaries } from './userland/binaries.ts';

export const u9fs = debBinaries({
  name: 'diod', version: '1.0.24',
  packages: ['diod', 'libwrap0', 'liblua5.1-0', 'libmunge2', 'libcap2', 'libnsl2', 'libtirpc3', 'libgssapi-krb5-2',
    'libkrb5-3', 'libk5crypto3', 'libcom-err2', 'libkrb5support0', 'libkeyutils1', 'libc6'],
  files: ['usr/sbin/diod'],
});

await runRecipe(import.meta, u9fs);
