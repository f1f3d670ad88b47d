// Evaluation: from recipe data to hashes and store paths, without building anything.
// Fixed-output sources hash by their declared sha256, so big sources are never read.
import { join } from 'node:path';
import { base32, canonical, sha256 } from './hash.ts';
import { prelude } from '../build/sandbox.ts';
import type { Derivation, FixedSource, Input } from './schema.ts';
import { baseTools, resolveTools, type Tool } from '../build/toolchain.ts';
import { openStore, type StoreLike } from '../store/store.ts';

const hashes = new WeakMap<Input, Promise<string>>();

export const toolsOf = (drv: Derivation) => [...new Set([...baseTools, ...drv.tools])];

/** The sha256 (hex) that names an input's store path. */
export function hashInput(input: Input): Promise<string> {
  let hash = hashes.get(input);
  if (!hash) {
    hash =
      input.type === 'derivation' ? hashDerivation(input) : Promise.resolve(sha256(canonical(fixedIdentity(input))));
    hashes.set(input, hash);
  }
  return hash;
}

/**
 * What a fixed-output path is: the same file added by `store add` and declared by a
 * url source must land on the same path, so those two hash only name and sha256.
 */
function fixedIdentity(src: FixedSource): object {
  switch (src.type) {
    case 'deb':
      return { type: 'deb', package: src.package, version: src.version, arch: src.arch, sha256: src.sha256 };
    case 'deb-src':
      return { type: 'deb-src', package: src.package, version: src.version, sha256: src.sha256 };
    case 'url':
      return { type: 'file', name: src.name, sha256: src.sha256 };
    case 'tree':
      return { type: 'tree', name: src.name, sha256: src.sha256 };
    case 'npm':
      return { type: 'npm', package: src.package, version: src.version, integrity: src.integrity };
  }
}

async function hashDerivation(drv: Derivation): Promise<string> {
  const tools = await resolveTools(toolsOf(drv));
  const inputs: Record<string, string> = {};
  for (const [key, input] of Object.entries(drv.inputs)) inputs[key] = await hashInput(input);
  return sha256(canonical(derivationIdentity(drv, tools, inputs)));
}

/**
 * What a derivation's hash covers: everything but `meta`, with each input replaced by
 * its hash and each tool by `command=package=version`. Pure, so tests can pin it.
 */
export function derivationIdentity(drv: Derivation, tools: Tool[], inputHashes: Record<string, string>): object {
  return {
    type: 'derivation',
    name: drv.name,
    version: drv.version,
    builder: drv.builder,
    prelude: sha256(prelude),
    env: drv.env,
    tools: tools.map((t) => `${t.command}=${t.package}=${t.version}`).sort(),
    inputs: inputHashes,
    builtin: drv.builtin?.identity,
  };
}

/** `<hash>-<name>-<version>`; a Debian epoch's ':' becomes '_' to keep paths shell-safe. */
export function pathLabel(input: Input): string {
  switch (input.type) {
    case 'derivation':
      return `${input.name}-${input.version}`;
    case 'deb':
      return `${input.package}-${input.version.replace(/:/g, '_')}`;
    case 'deb-src':
      return `${input.package}-src-${input.version.replace(/:/g, '_')}`;
    case 'url':
    case 'tree':
      return input.name;
    case 'npm': // @scope/name → npm-scope-name
      return `npm-${input.package.replace(/^@/, '').replace('/', '-')}-${input.version}`;
  }
}

export async function storePath(input: Input, store: StoreLike): Promise<string> {
  return join(openStore(store).dir, `${base32(await hashInput(input))}-${pathLabel(input)}`);
}

/** Every input reachable from `target`, dependencies before dependents. */
export function closure(target: Input): Input[] {
  const order: Input[] = [];
  const seen = new Set<Input>();
  const visit = (input: Input) => {
    if (seen.has(input)) return;
    seen.add(input);
    if (input.type === 'derivation') Object.values(input.inputs).forEach(visit);
    order.push(input);
  };
  visit(target);
  return order;
}
