// libnl-3 and libnl-genl-3 as static musl libraries, for the static alfred/batadv-vis.
// Route: Debian's source package (served), upstream tarball, only the two libraries.
import { derivation, runRecipe } from '../lib/derivations/index.ts';
import { debs } from './userland/debian.ts';
import { sources } from './userland/sources.ts';

export const libnl3 = derivation({
  name: 'libnl3-static', version: '3.7.0',
  inputs: { src: sources.libnl3, uapi: debs['linux-libc-dev'] },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'cc', 'as', 'ld', 'ar', 'ranlib', 'make', 'sed', 'awk', 'grep', 'flex', 'bison'],
  builder: `
    phase unpack
    unpackDeb "$uapi" uapi
    tar -xf "$src"/libnl3_*.orig.tar.gz && cd libnl-*
    phase configure
    CC="musl-gcc -idirafter $PWD/../uapi/usr/include -idirafter $PWD/../uapi/usr/include/x86_64-linux-gnu" \\
      ./configure --prefix=/ --disable-shared --enable-static --disable-cli --disable-debug > configure.log
    phase compile
    make -j"$BATU_CORES" lib/libnl-3.la lib/libnl-genl-3.la > /dev/null
    phase install
    mkdir -p "$out/lib" "$out/include/libnl3"
    cp lib/.libs/libnl-3.a lib/.libs/libnl-genl-3.a "$out/lib/"
    cp -r include/netlink "$out/include/libnl3/"
  `,
});

await runRecipe(import.meta, libnl3);
