// The tapfd helper (tapfd.c beside this file), built through the store on first use.
import { join } from 'node:path';
import { derivation, realise, repoFiles, silentReporter, type Derivation } from '../derivations/index.ts';

let built: Promise<string> | undefined;

async function tapfdDerivation(): Promise<Derivation> {
  return derivation({
    name: 'batu-tapfd', version: '1',
    inputs: { src: await repoFiles('batu-tapfd-src', new URL('./tapfd-src', import.meta.url).pathname) },
    tools: ['gcc', 'as', 'ld'],
    builder: 'mkdir -p "$out/bin" && gcc -O2 -Wall -Wextra -Werror -o "$out/bin/tapfd" "$src/tapfd.c"',
  });
}

/** Path of the tapfd binary. */
export function tapfdBinary(): Promise<string> {
  built ??= tapfdDerivation().then((d) => realise(d, { report: silentReporter })).then((r) => join(r.path, 'bin/tapfd'));
  return built;
}
