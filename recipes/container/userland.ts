// The container image's userland: Node.js and the few host programs batu runs (setpriv
// and setarch start nodes, flock and sh take locks, uml_mconsole talks to a node), each
// with the shared libraries it needs, from pinned Debian packages.
import { lazy } from '../../lib/derivations/index.ts';
import { debBinaries } from '../userland/binaries.ts';
import { nodeRuntime } from './node.ts';

export const containerUserland = lazy(async () =>
  debBinaries({
    name: 'batu-container-userland',
    version: '1',
    packages: [
      'libc6',
      'libstdc++6',
      'libgcc-s1',
      'util-linux',
      'libcap-ng0',
      'dash',
      'uml-utilities',
      'libreadline8',
      'libtinfo6',
    ],
    files: ['usr/bin/node', 'usr/bin/setpriv', 'usr/bin/setarch', 'usr/bin/flock', 'bin/dash', 'usr/bin/uml_mconsole'],
    inputs: { node: await nodeRuntime() },
    postUnpack: 'install -D -m 755 "$node/bin/node" sysroot/usr/bin/node',
    postInstall: 'ln -s dash "$out/bin/sh"',
  }),
);
