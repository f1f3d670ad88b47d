// The container image's userland: Node.js and the few host programs batu runs (setpriv
// and setarch start nodes, flock and sh take locks, uml_mconsole talks to a node), each
// with the shared libraries it needs, from pinned Debian packages.
import { derivation } from '../../lib/derivations/index.ts';
import { pins } from '../pins.ts';
import { closureScript } from '../userland/binaries.ts';
import { nodeRuntime } from './node.ts';

const packages = [
  'libc6',
  'libstdc++6',
  'libgcc-s1',
  'util-linux',
  'libcap-ng0',
  'dash',
  'uml-utilities',
  'libreadline8',
  'libtinfo6',
];
const programs = [
  'usr/bin/node',
  'usr/bin/setpriv',
  'usr/bin/setarch',
  'usr/bin/flock',
  'bin/dash',
  'usr/bin/uml_mconsole',
];

export const containerUserland = derivation({
  name: 'batu-container-userland',
  version: '1',
  inputs: {
    closure: closureScript,
    node: nodeRuntime,
    ...Object.fromEntries(packages.map((p, i) => [`deb${i}`, pins.deb(p)])),
  },
  env: { debInputs: packages.map((_, i) => `deb${i}`).join(' '), programs: programs.join(' ') },
  tools: ['readelf'],
  builder: `
    phase unpack
    for d in $debInputs; do unpackDeb "\${!d}" sysroot; done
    install -D -m 755 "$node/bin/node" sysroot/usr/bin/node
    phase closure
    bash "$closure/elf-closure.sh" sysroot "$out" $programs
    ln -s dash "$out/bin/sh"
  `,
});
