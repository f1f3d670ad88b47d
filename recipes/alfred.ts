// alfred and batadv-vis for the guest. Route: Debian's source package (served), built
// static with musl against our static libnl3; without gpsd and capabilities support (the
// guest has neither), so the image carries no shared libraries for them.
import { derivation, runRecipe } from '../lib/derivations/index.ts';
import { libnl3 } from './libnl3.ts';
import { debs } from './userland/debian.ts';
import { sources } from './userland/sources.ts';

export const alfred = derivation({
  name: 'alfred', version: '2023.0',
  inputs: { src: sources.alfred, libnl: libnl3, uapi: debs['linux-libc-dev'] },
  tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'cc', 'as', 'ld', 'make', 'strip'],
  builder: `
    phase unpack
    unpackDeb "$uapi" uapi
    tar -xf "$src"/alfred_*.orig.tar.gz && cd alfred-*
    phase compile
    nl="-I$libnl/include/libnl3"
    # In the environment, not on make's command line: the Makefile appends to CFLAGS.
    CFLAGS="-O2 -idirafter $PWD/../uapi/usr/include -idirafter $PWD/../uapi/usr/include/x86_64-linux-gnu" LDFLAGS=-static \
      make -j"$BATU_CORES" CC=musl-gcc PKG_CONFIG=unused CONFIG_ALFRED_GPSD=n CONFIG_ALFRED_CAPABILITIES=n \
      LIBNL_CFLAGS="$nl" LIBNL_LDLIBS="$libnl/lib/libnl-3.a" \
      LIBNL_GENL_CFLAGS="$nl" LIBNL_GENL_LDLIBS="$libnl/lib/libnl-genl-3.a $libnl/lib/libnl-3.a" > /dev/null
    phase install
    install -D -m 755 alfred "$out/usr/sbin/alfred"
    install -D -m 755 vis/batadv-vis "$out/usr/sbin/batadv-vis"
    strip "$out/usr/sbin/alfred" "$out/usr/sbin/batadv-vis"
  `,
});

await runRecipe(import.meta, alfred);
