// The data a recipe is made of. zod is the single source of truth: every type here is
// inferred from a schema, and a bad recipe fails with zod's path to the bad field.
import { z } from 'zod';
import type { Builtin } from './builtins.ts';

export const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (a sha256)');
export const pathName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9+._~-]*$/, 'expected a name of letters, digits and + . _ ~ -');
export const debVersion = z.string().regex(/^[0-9][A-Za-z0-9.+~:-]*$/, 'expected a Debian version like 1.2-3');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/** A Debian binary package, fetched with `apt-get download` and checked against sha256. */
export const DebPackage = z.strictObject({
  type: z.literal('deb'),
  package: pathName,
  version: debVersion,
  arch: z.enum(['amd64', 'all']).default('amd64'),
  sha256,
});

/** A Debian source package, pinned by the sha256 of its .dsc (which pins every other file). */
export const DebSource = z.strictObject({
  type: z.literal('deb-src'),
  package: pathName,
  version: debVersion,
  sha256,
});

/** One file from a URL. It cannot be fetched here: the user puts it in with `store add`. */
export const UrlSource = z.strictObject({
  type: z.literal('url'),
  url: z.url(),
  name: pathName,
  sha256,
});

/**
 * A directory pinned by its content hash (see manifest.ts); `from` is where to copy it
 * from, leaving out what `exclude` (a regular expression over relative paths) matches.
 */
export const TreeSource = z.strictObject({
  type: z.literal('tree'),
  name: pathName,
  sha256,
  from: z.string().optional(),
  exclude: z.string().optional(),
});

/** A package tarball from the npm registry, pinned by its lockfile integrity (sha512). */
export const NpmPackage = z.strictObject({
  type: z.literal('npm'),
  package: z
    .string()
    .regex(
      /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/,
      'expected an npm package name like tar-stream or @scope/name',
    ),
  version: z.string().regex(/^[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.+-]*$/, 'expected a version like 1.2.3'),
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]{86}==$/, 'expected a lockfile integrity: sha512-<base64>'),
});

export const FixedSource = z.discriminatedUnion('type', [DebPackage, DebSource, UrlSource, TreeSource, NpmPackage]);
export type FixedSource = z.infer<typeof FixedSource>;

const Progress = z.strictObject({
  /** A builder output line matching this regular expression counts one unit of work. */
  count: z.string(),
  unit: z.string(),
  /** Roughly how many units a full build has, for a percentage. */
  expected: z.number().int().positive().optional(),
});

/** Everything of a derivation but its inputs, which hold derivations themselves. */
export const DerivationFields = z.strictObject({
  name: pathName,
  version: pathName,
  /** bash script; sees each input's store path as $<key> and writes $out. */
  builder: z.string().min(1, 'a builder script is required'),
  env: z.record(envName, z.string()).default({}),
  /** Host commands the builder may run; their Debian package versions are hashed. */
  tools: z.array(z.string().regex(/^[A-Za-z0-9+._\[-]+$/, 'expected a command name')).default([]),
  /** Not hashed: how to show progress. */
  meta: z.strictObject({ description: z.string().optional(), progress: Progress.optional() }).default({}),
});

export type Derivation = z.infer<typeof DerivationFields> & {
  type: 'derivation';
  inputs: Record<string, Input>;
  /** The builtin that builds it (its builder then reads `builtin:<name>`). */
  builtin?: Builtin;
};
export type Input = FixedSource | Derivation;

export const inputKey = envName;
