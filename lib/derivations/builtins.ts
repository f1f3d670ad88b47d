// Builtin builders: derivations whose builder is `builtin:<name>` run a function of
// batu's own library in the realiser's process (as Nix's builtin:fetchurl does) —
// e.g. packing an initramfs with cpio-stream. A builtin's identity (a hash of its
// implementation) is part of every hash that uses it, so changing it rebuilds.
export interface Builtin {
  /** Changes whenever the implementation does (e.g. the sha256 of its source files). */
  identity: string;
  build(args: { inputs: Record<string, string>; env: Record<string, string>; out: string }): Promise<void>;
}

const builtins = new Map<string, Builtin>();

export function registerBuiltin(name: string, builtin: Builtin): void {
  builtins.set(name, builtin);
}

export function builtinOf(builder: string): Builtin | undefined {
  const name = /^builtin:([a-z0-9-]+)$/.exec(builder)?.[1];
  if (!name) return undefined;
  const builtin = builtins.get(name);
  if (!builtin) throw new Error(`unknown builder ${builder} (import the module that registers it)`);
  return builtin;
}
