// libnl-3 and libnl-genl-3 as static musl libraries, for static builds of batctl, alfred and
// batadv-vis (recipes/batman-adv-tools.ts). Route: Debian's source package (served, pinned),
// only the two libraries.
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { configureMake } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';
import { pins, upstream } from './pins.ts';

export const libnl3 = lazy(() =>
  configureMake({
    name: 'libnl3-static',
    version: upstream(pins.src('libnl3').version),
    inputs: { src: pins.src('libnl3'), uapi: uapiHeaders() },
    tools: [
      'musl-gcc',
      'x86_64-linux-gnu-gcc',
      'cc',
      'cpp',
      'as',
      'ld',
      'ar',
      'ranlib',
      'make',
      'sed',
      'awk',
      'grep',
      'flex',
      'bison',
    ],
    tarball: '"$src"/libnl3_*.orig.tar.gz',
    dir: 'libnl-*',
    configureEnv: ['CC="musl-gcc -idirafter $uapi/include"'],
    configureFlags: ['--prefix=/', '--disable-shared', '--enable-static', '--disable-cli', '--disable-debug'],
    targets: ['lib/libnl-3.la', 'lib/libnl-genl-3.la'],
    install: [
      'mkdir -p "$out/lib" "$out/include/libnl3"',
      'cp lib/.libs/libnl-3.a lib/.libs/libnl-genl-3.a "$out/lib/"',
      'cp -r include/netlink "$out/include/libnl3/"',
    ],
  }),
);

export const recipe = defineRecipe({
  name: 'libnl3',
  description: "libnl-3 and libnl-genl-3, static with musl, from Debian's source",
  make: libnl3,
});

await recipeMain(import.meta, recipe);
