// Debian's binaries with their shared-library closure, for programs batu does not (yet)
// build from source: the closure is computed from the ELF files, not listed by hand.
import { derivation, repoFiles } from '../../lib/derivations/index.ts';
import { pins } from '../pins.ts';

export const closureScript = await repoFiles('batu-elf-closure', new URL('./closure', import.meta.url));

export function debBinaries({
  name,
  version,
  packages,
  files,
}: {
  name: string;
  version: string;
  /** Every package the closure may draw from (the program's own and its libraries'). */
  packages: string[];
  /** Paths inside the packages to take, e.g. usr/sbin/batctl. */
  files: string[];
}) {
  return derivation({
    name,
    version,
    inputs: { closure: closureScript, ...Object.fromEntries(packages.map((p, i) => [`deb${i}`, pins.deb(p)])) },
    env: { debInputs: packages.map((_, i) => `deb${i}`).join(' '), files: files.join(' ') },
    tools: ['readelf'],
    builder: `
      phase unpack
      for d in $debInputs; do unpackDeb "\${!d}" sysroot; done
      phase closure
      bash "$closure/elf-closure.sh" sysroot "$out" $files
    `,
  });
}
