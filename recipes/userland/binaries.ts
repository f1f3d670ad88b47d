// Debian's binaries with their shared-library closure, for programs batu does not (yet)
// build from source: the closure is computed from the ELF files, not listed by hand.
import { derivation, lazy, repoFiles, type Input } from '../../lib/derivations/index.ts';
import { pins } from '../pins.ts';

export const closureScript = lazy(() => repoFiles('batu-elf-closure', new URL('./closure', import.meta.url)));

export interface DebBinariesOptions {
  name: string;
  version: string;
  /** Every package the closure may draw from (the program's own and its libraries'). */
  packages: string[];
  /** Paths inside the packages (or put there by postUnpack) to take, e.g. usr/sbin/batctl. */
  files: string[];
  /** More inputs, for the hooks. */
  inputs?: Record<string, Input>;
  /** Shell run once the packages are unpacked into ./sysroot. */
  postUnpack?: string;
  /** Shell run once the closure is in $out. */
  postInstall?: string;
}

const hook = (script?: string) => (script ? `${script.trim()}\n      ` : '');

export async function debBinaries({
  name,
  version,
  packages,
  files,
  inputs,
  postUnpack,
  postInstall,
}: DebBinariesOptions) {
  return derivation({
    name,
    version,
    inputs: {
      closure: await closureScript(),
      ...inputs,
      ...Object.fromEntries(packages.map((p, i) => [`deb${i}`, pins.deb(p)])),
    },
    env: { debInputs: packages.map((_, i) => `deb${i}`).join(' '), files: files.join(' ') },
    tools: ['readelf'],
    builder: `
      phase unpack
      for d in $debInputs; do unpackDeb "\${!d}" sysroot; done
      ${hook(postUnpack)}phase closure
      bash "$closure/elf-closure.sh" sysroot "$out" $files
    ${postInstall ? `  ${postInstall.trim()}\n    ` : ''}`,
  });
}
