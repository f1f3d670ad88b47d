// node_modules as a derivation: a lockfile's packages (npmPackage sources) unpacked at
// their paths, as nixpkgs' importNpmLock does.
import { derivation } from '../derivations/model/define.ts';
import type { Derivation } from '../derivations/model/schema.ts';
import { lockedPackages, type LockOptions } from '../derivations/sources/npm.ts';

/**
 * A node_modules tree from a lockfile: each tarball unpacked at its path, no install
 * scripts run and no .bin links made (batu's image runs its programs by path).
 */
export function nodeModules({
  name,
  lockfile,
  ...options
}: { name: string; lockfile: string } & LockOptions): Derivation {
  const packages = Object.entries(lockedPackages(lockfile, options));
  return derivation({
    name,
    version: '1',
    inputs: Object.fromEntries(packages.map(([, src], i) => [`npm${i}`, src])),
    env: { layout: packages.map(([path], i) => `npm${i} ${path}`).join('\n') },
    builder: `
      phase unpack
      while read -r key path; do
        mkdir -p "$out/$path"
        tar -xzf "\${!key}"/*.tgz -C "$out/$path" --strip-components=1 --no-same-owner
      done <<< "$layout"
      chmod -R u+w,a+rX "$out" # a tarball's own modes may lock its owner out
      echo "node_modules: $(wc -l <<< "$layout") packages"
    `,
  });
}
