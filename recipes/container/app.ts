// batu itself as the container image runs it: the package's JavaScript compiled from this
// checkout's sources (what `npm pack` ships, without declarations) beside its production
// node_modules from the lockfile. Build outputs a checkout may hold are left out of the
// sources, so every clone gets the same path.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { derivation, lazy, repoFiles } from '../../lib/derivations/index.ts';
import { nodeModules } from '../../lib/stdenv/index.ts';
import { nodeRuntime } from './node.ts';

const root = new URL('../../', import.meta.url);
const lockfile = () => fileURLToPath(new URL('package-lock.json', root));

export const productionModules = lazy(() => nodeModules({ name: 'batu-node-modules', lockfile: lockfile() }));

export const batuApp = lazy(async () => {
  if (!existsSync(new URL('bin/batu.ts', root)))
    throw new Error(
      'the container image is built from a checkout of batu (its TypeScript sources), not from an installed package',
    );
  const sources = await repoFiles('batu-app-src', root, {
    // only lib, bin, recipes, guest and the package's own json; no compiled .js/.d.ts but the handwritten one
    exclude:
      /^(?!(lib|bin|recipes|guest)(\/|$)|package\.json$|tsconfig(\.build)?\.json$)|\.js$|(?<!\/cpio-stream)\.d\.ts$|^lib\/rootfs\/sources\.sha256$/,
  });
  const compiler = nodeModules({ name: 'batu-build-modules', lockfile: lockfile(), dev: ['typescript'] });
  return derivation({
    name: 'batu-app',
    version: (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }).version,
    inputs: { src: sources, node: await nodeRuntime(), modules: await productionModules(), compiler },
    builder: `
    phase compile
    cp -r "$src" app && chmod -R u+w app && cd app
    ln -s "$compiler/node_modules" node_modules
    # emit only: the sources were type-checked where they were written (npm test)
    printf '%s' '{"extends":"./tsconfig.build.json","compilerOptions":{"declaration":false,"noCheck":true,"types":[]}}' > tsconfig.image.json
    "$node/bin/node" node_modules/typescript/bin/tsc -p tsconfig.image.json
    # the initramfs builder's identity: the digest of its sources, as npm run build writes it
    (cd lib/rootfs && cat builtin.ts cpio.ts entries.ts tree.ts | sha256sum | cut -d' ' -f1) > lib/rootfs/sources.sha256
    rm node_modules tsconfig*.json
    find . -name '*.ts' -delete
    phase install
    mkdir -p "$out/lib" && cp -r . "$out/lib/batu"
    cp -r "$modules/node_modules" "$out/lib/batu/node_modules"
  `,
  });
});
