// socat for the guest. Route: Debian's source package (served), built static with musl,
// without OpenSSL, readline and libwrap: the guest only forwards TCP to alfred's unix
// socket, and Debian's binary dragged in ~7 MB of OpenSSL and Kerberos libraries.
import { defineRecipe, lazy, recipeMain } from '../lib/derivations/index.ts';
import { configureMake } from '../lib/stdenv/index.ts';
import { uapiHeaders } from './linux/kernel.ts';
import { pins, upstream } from './pins.ts';

export const socat = lazy(() =>
  configureMake({
    name: 'socat',
    version: upstream(pins.src('socat').version),
    inputs: { src: pins.src('socat'), uapi: uapiHeaders() },
    tools: ['musl-gcc', 'x86_64-linux-gnu-gcc', 'cc', 'cpp', 'as', 'ld', 'make', 'sed', 'awk', 'grep', 'strip'],
    tarball: '"$src"/socat_*.orig.tar.*',
    dir: 'socat-*',
    configureEnv: ['CC=musl-gcc CFLAGS="-O2 -idirafter $uapi/include"', 'LDFLAGS=-static'],
    configureFlags: ['--disable-openssl', '--disable-readline', '--disable-libwrap', '--disable-fips'],
    targets: ['socat'],
    install: ['install -D -m 755 socat "$out/usr/bin/socat"', 'strip "$out/usr/bin/socat"'],
  }),
);

export const recipe = defineRecipe({
  name: 'socat',
  description: "socat for the guest, static with musl from Debian's source, without OpenSSL",
  make: socat,
});

await recipeMain(import.meta, recipe);
