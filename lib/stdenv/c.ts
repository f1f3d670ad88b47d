// The build layer (nixpkgs' stdenv for batu): typed constructors for the kinds of derivation
// recipes keep making, so a recipe states only what differs. The shared shell steps they
// use (applyPatches, unpackSource, kernelSourceTar, kbuildReproducible) live in the hashed
// builder prelude (prelude.sh).
import { derivation } from '../derivations/model/define.ts';
import type { Derivation, Input } from '../derivations/model/schema.ts';

export interface CProgramOptions {
  name: string;
  version?: string;
  /** The sources: a tree of this repository (repoFiles) or any input. */
  src: Input;
  /** Each program to make: its path under $out → its source files, relative to $src (globs allowed). */
  programs: Record<string, string>;
  /** Uapi headers (recipes' uapiHeaders()) the sources include: -I "$uapi/include". */
  uapi?: Input;
  cflags?: string;
}

const strict = '-O2 -Wall -Wextra -Werror';

function cBuild(
  compiler: 'musl' | 'host',
  { name, version = '1', src, programs, uapi, cflags = strict }: CProgramOptions,
): Derivation {
  const cc = compiler === 'musl' ? 'musl-gcc -static' : 'gcc';
  const include = uapi ? ' -I "$uapi/include"' : '';
  const steps = Object.entries(programs).map(
    ([out, files]) =>
      `install -d "$(dirname "$out/${out}")" && ${cc} ${cflags}${include} -o "$out/${out}" ${files
        .split(/\s+/)
        .map((f) => `"$src"/${f}`)
        .join(' ')}` + (compiler === 'musl' ? ` && strip "$out/${out}"` : ''),
  );
  return derivation({
    name,
    version,
    inputs: { src, ...(uapi ? { uapi } : {}) },
    tools: compiler === 'musl' ? ['musl-gcc', 'x86_64-linux-gnu-gcc', 'as', 'ld', 'strip'] : ['gcc', 'as', 'ld'],
    builder: `\nphase compile\n${steps.join('\n')}\n`,
  });
}

/** Static programs for the guest: musl-gcc -static, stripped. */
export const staticC = (options: CProgramOptions) => cBuild('musl', options);
/** Programs for this host (helpers, test tools): gcc, glibc. */
export const hostC = (options: CProgramOptions) => cBuild('host', options);
