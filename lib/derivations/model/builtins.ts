// Builtin builders: functions of batu's own library that build a derivation in the
// realiser's process (as Nix's builtin:fetchurl does), e.g. packing an initramfs with
// cpio-stream. A recipe passes the builtin itself as its builder; the stored derivation
// names it `builtin:<name>`. Its identity (a hash of its implementation) is part of every
// hash that uses it, so changing it rebuilds.
export interface Builtin {
  name: string;
  /** Changes whenever the implementation does (e.g. the sha256 of its source files). */
  identity: string;
  build(args: { inputs: Record<string, string>; env: Record<string, string>; out: string }): Promise<void>;
}

export const isBuiltin = (value: unknown): value is Builtin =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Builtin).build === 'function' &&
  typeof (value as Builtin).name === 'string';

/** The builtin a stored builder names (`builtin:<name>`), among those given; undefined for a script. */
export function builtinNamed(builder: string, known: Builtin[]): Builtin | undefined {
  const name = /^builtin:([a-z0-9-]+)$/.exec(builder)?.[1];
  if (!name) return undefined;
  const builtin = known.find((b) => b.name === name);
  if (!builtin)
    throw new Error(
      `the builder ${builder} is not among the builtins given (${known.map((b) => b.name).join(', ') || 'none'})`,
    );
  return builtin;
}
