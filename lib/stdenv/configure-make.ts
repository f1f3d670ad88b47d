// An autotools package: unpack, ./configure, make, install (nixpkgs' default phases). A
// recipe names its tarball, the configure environment and flags, the make targets and what
// to install; the phases and their shell are this constructor's.
import { derivation, type Input } from '../derivations/index.ts';

export interface ConfigureMakeOptions {
  name: string;
  version: string;
  inputs: Record<string, Input>;
  tools: string[];
  /** The source tarball (a glob, relative to the build directory) and the directory it unpacks to. */
  tarball: string;
  dir: string;
  /** Variables for ./configure, e.g. CC=musl-gcc; each group on a line of its own. */
  configureEnv?: string[];
  configureFlags?: string[];
  /** What to make (default: all). */
  targets?: string[];
  /** Shell run in the tree to install into $out. */
  install: string[];
  postUnpack?: string[];
  postInstall?: string[];
}

export function configureMake(o: ConfigureMakeOptions) {
  // One environment group a line, each but the last continued with a backslash; ./configure follows the last.
  const env = o.configureEnv ?? [];
  const command = [...env.slice(-1), './configure', ...(o.configureFlags ?? [])].join(' ');
  const configure = [...env.slice(0, -1).map((e) => `${e} \\`), command].map((l, i) => (i ? `  ${l}` : l));
  const lines = [
    'phase unpack',
    `tar -xf ${o.tarball} && cd ${o.dir}`,
    ...(o.postUnpack ?? []),
    'phase configure',
    `${configure.join('\n')} > configure.log`,
    'phase compile',
    `make -j"$BATU_CORES"${(o.targets ?? []).map((t) => ` ${t}`).join('')} > /dev/null`,
    'phase install',
    ...o.install,
    ...(o.postInstall ?? []),
  ];
  return derivation({
    name: o.name,
    version: o.version,
    inputs: o.inputs,
    tools: o.tools,
    builder: `\n${lines.map((l) => l.replace(/^/gm, '    ')).join('\n')}\n  `,
  });
}
