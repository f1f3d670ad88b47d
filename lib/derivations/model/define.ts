// Constructors that recipes call. Each validates its data with zod, so a bad recipe
// fails where it is written, naming the field and the value.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { computeManifest } from '../store/manifest.ts';
import { isBuiltin, type Builtin } from './builtins.ts';
import {
  DebPackage,
  DebSource,
  DerivationFields,
  FixedSource,
  TreeSource,
  UrlSource,
  inputKey,
  type Derivation,
  type Input,
} from './schema.ts';
import { formatIssues } from '../../issues.ts';

export class RecipeError extends Error {}

/** Validate `data` against `schema`, or throw naming each bad field and its value. */
export function parse<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = formatIssues(result.error, { top: '(root)', data, separator: '\n  ' });
  throw new RecipeError(`bad recipe data in ${what}:\n  ${problems}`);
}

export function isInput(value: unknown): value is Input {
  return isDerivation(value) || FixedSource.safeParse(value).success;
}

export function isDerivation(value: unknown): value is Derivation {
  return (value as Derivation | undefined)?.type === 'derivation';
}

type DerivationArgs = Omit<z.input<typeof DerivationFields>, 'builder'> & {
  inputs?: Record<string, Input>;
  /** A bash script, or a builtin (lib/rootfs's initramfs …) run in the realiser's process. */
  builder: string | Builtin;
};

export function derivation(args: DerivationArgs): Derivation {
  const { inputs = {}, builder, ...fields } = args;
  const what = `derivation ${JSON.stringify(args.name)}`;
  const builtin = isBuiltin(builder) ? builder : undefined;
  const parsed = parse(DerivationFields, { ...fields, builder: builtin ? `builtin:${builtin.name}` : builder }, what);
  if (!builtin && parsed.builder.startsWith('builtin:'))
    throw new RecipeError(
      `bad recipe data in ${what}:\n  builder: pass the builtin itself, not its name ${JSON.stringify(parsed.builder)}`,
    );
  for (const [key, input] of Object.entries(inputs)) {
    parse(inputKey, key, `${what}: inputs`);
    if (!isInput(input))
      throw new RecipeError(
        `bad recipe data in ${what}:\n  inputs.${key}: expected a derivation or a source (debPackage, debSource, url, tree, repoFiles)`,
      );
  }
  return Object.freeze({
    type: 'derivation' as const,
    ...parsed,
    inputs: Object.freeze({ ...inputs }),
    ...(builtin ? { builtin } : {}),
  });
}

export function debPackage(args: Omit<z.input<typeof DebPackage>, 'type'>) {
  return parse(DebPackage, { type: 'deb', ...args }, `debPackage ${args.package}`);
}

export function debSource(args: Omit<z.input<typeof DebSource>, 'type'>) {
  return parse(DebSource, { type: 'deb-src', ...args }, `debSource ${args.package}`);
}

export function url(args: Omit<z.input<typeof UrlSource>, 'type' | 'name'> & { name?: string }) {
  const name = args.name ?? String(args.url).split('/').filter(Boolean).pop();
  return parse(UrlSource, { type: 'url', ...args, name }, `url ${args.url}`);
}

/** A directory pinned by content hash; without `from` it must be put in with `store add`. */
export function tree(args: Omit<z.input<typeof TreeSource>, 'type'>) {
  return parse(TreeSource, { type: 'tree', ...args }, `tree ${args.name}`);
}

/**
 * Files of this repository, hashed by content now (they are small): a change to one
 * file changes the hash of everything built from it. Recipes `await` it at top level.
 * `exclude` leaves out paths (relative to `dir`), e.g. build outputs a checkout may hold.
 */
export async function repoFiles(name: string, dir: string | URL, { exclude }: { exclude?: RegExp } = {}) {
  const from = dir instanceof URL ? fileURLToPath(dir) : resolve(dir);
  const sha256 = (await computeManifest(from, { exclude })).treeHash;
  return tree({ name, from, sha256, ...(exclude ? { exclude: exclude.source } : {}) });
}
