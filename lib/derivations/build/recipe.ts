// A recipe is data: its name, what it builds, its variants and flags, and a function that
// makes the derivation on demand; importing one evaluates nothing (no file is read). The
// same build runs from `batu build NAME` (in-process) and from `npx tsx recipes/x.ts` (the
// shared main below), which prints the store path as the last line of stdout, like nix-build.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Input } from '../model/schema.ts';
import { storePath } from '../model/evaluate.ts';
import { openStore, type StoreLike } from '../store/store.ts';
import { realise } from './realise.ts';
import { silentReporter, stderrReporter } from './progress.ts';

export type RecipeFlags = { variant?: string } & Record<string, string | undefined>;

export interface Recipe {
  /** What `batu build NAME` knows it by: its file's name. */
  name: string;
  description: string;
  /** Its variants (--variant NAME) and what each is; without --variant it builds its default. */
  variants?: Record<string, string>;
  /** String flags of its own and what they take, e.g. { 'source-sha256': 'SHA256  the tree to build' }. */
  flags?: Record<string, string>;
  make(flags: RecipeFlags): Input | Promise<Input>;
}

export const defineRecipe = (recipe: Recipe): Recipe => recipe;

/** A value made on first use, once: a recipe's derivation (its sources hashed, its pins read) when asked for. */
export function lazy<T>(make: () => T | Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= Promise.resolve().then(make));
}

export interface BuildOptions {
  variant?: string;
  flags?: Record<string, string | undefined>;
  store?: StoreLike;
  dryRun?: boolean;
  quiet?: boolean;
  substituters?: string;
  trustedKeys?: string;
  substitute?: boolean;
}

export interface BuildResult {
  name: string;
  version?: string;
  path: string;
  built: string[];
  reused: string[];
  substituted?: string[];
  dryRun?: true;
}

/** Make the recipe's derivation for these options and realise it (or only name its path, dryRun). */
export async function buildRecipe(recipe: Recipe, options: BuildOptions = {}): Promise<BuildResult> {
  const { variant } = options;
  if (variant !== undefined && recipe.variants && !(variant in recipe.variants))
    throw new Error(
      `${recipe.name}: unknown variant ${JSON.stringify(variant)} (known: ${Object.keys(recipe.variants).join(', ')})`,
    );
  if (variant !== undefined && !recipe.variants) throw new Error(`${recipe.name} has no variants`);
  const input = await recipe.make({ ...options.flags, ...(variant === undefined ? {} : { variant }) });
  const store = openStore(options.store);
  const name = 'name' in input ? input.name : input.package;
  const version = 'version' in input ? input.version : undefined;
  if (options.dryRun)
    return { name, version, path: await storePath(input, store), built: [], reused: [], dryRun: true };
  const result = await realise(input, {
    store,
    root: `recipe-${recipe.name}${variant ? `-${variant}` : ''}`,
    report: options.quiet ? silentReporter : stderrReporter,
    substituters: options.substituters,
    trustedKeys: options.trustedKeys,
    substitute: options.substitute,
  });
  return { name, version, ...result };
}

export const recipeUsage =
  'options: --dry-run (print the path, build nothing) --json (one JSON object) --store DIR --quiet\n' +
  '  --substituters URLS (binary caches to ask first) --trusted-keys KEYS --no-substitute';

/** What a recipe's own --help says: its description, variants and flags. */
export function recipeHelp(recipe: Recipe, usage = `npx tsx recipes/${recipe.name}.ts`, flagPrefix = '--'): string {
  // A flag's value starts with what it takes (`--source-sha256 SHA256  …`); a variant's with prose.
  const list = (title: string, entries: Record<string, string> | undefined, prefix: string, gap: string) =>
    entries && Object.keys(entries).length
      ? `\n${title}:${Object.entries(entries)
          .map(([k, v]) => `\n  ${prefix}${k}${gap}${v}`)
          .join('')}`
      : '';
  return (
    `${recipe.name}: ${recipe.description}\nusage: ${usage} ${recipe.variants ? '[--variant NAME] ' : ''}${recipeUsage}` +
    list('variants', recipe.variants, '--variant ', '  ') +
    list('its own', recipe.flags, flagPrefix, ' ')
  );
}

/**
 * A recipe file's main: `await recipeMain(import.meta, recipe)` at its end does nothing when
 * the file is imported, and builds when it is run.
 */
export async function recipeMain(meta: ImportMeta, recipe: Recipe): Promise<void> {
  if (process.argv[1] !== fileURLToPath(meta.url)) return;
  try {
    const { values } = parseArgs({
      options: {
        ...Object.fromEntries(Object.keys(recipe.flags ?? {}).map((flag) => [flag, { type: 'string' as const }])),
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        store: { type: 'string' },
        variant: { type: 'string' },
        substituters: { type: 'string' },
        'trusted-keys': { type: 'string' },
        'no-substitute': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) return console.log(recipeHelp(recipe));
    const own = values as Record<string, unknown>;
    const flags = Object.fromEntries(Object.keys(recipe.flags ?? {}).map((f) => [f, own[f] as string | undefined]));
    const result = await buildRecipe(recipe, {
      variant: values.variant as string | undefined,
      flags,
      store: values.store as string | undefined,
      dryRun: values['dry-run'] as boolean | undefined,
      quiet: values.quiet as boolean | undefined,
      substituters: values.substituters as string | undefined,
      trustedKeys: values['trusted-keys'] as string | undefined,
      substitute: !values['no-substitute'],
    });
    console.log(values.json ? JSON.stringify(result) : result.path);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
