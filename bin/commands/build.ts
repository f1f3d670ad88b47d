// batu build RECIPE: realise one of batu's recipes (by name, from the registry) or a recipe
// file of yours (a module exporting `recipe`), in this process, and print its store path.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildRecipe, recipeHelp, type BuildOptions, type Recipe } from '../../lib/derivations/index.ts';
import { recipes } from '../../recipes/index.ts';
import { jsonOption, storeOption, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('build')
    .description("realise a recipe (batu's own by name, or a recipe file) and print its store path")
    .argument('<recipe>', `one of batu's recipes (${Object.keys(recipes).join(', ')}) or a path to a recipe file`)
    .option('--variant <name>', 'a variant the recipe offers (e.g. linux-v15: 6.1, headers)')
    .option('--flag <name=value...>', "a flag of the recipe's own, e.g. --flag source-sha256=…")
    .option('--dry-run', 'print the store path, build nothing')
    .option('--recipe-help', 'what the recipe builds, its variants and its own flags')
    .addOption(jsonOption())
    .addOption(storeOption())
    .option(
      '--substituters <urls>',
      'binary caches to ask before building (default: BATU_SUBSTITUTERS, the store config)',
    )
    .option('--trusted-keys <keys>', 'keys whose signatures count (NAME:base64 or .pub files)')
    .option('--no-substitute', 'ask no binary cache: build what is missing')
    .action(async (name: string, options: CliOptions) => {
      const recipe = await findRecipe(name);
      if (options.recipeHelp) return console.log(recipeHelp(recipe, `batu build ${name}`, '--flag '));
      const result = await buildRecipe(recipe, buildOptions(recipe, options));
      console.log(options.json ? JSON.stringify(result) : result.path);
    });

type CliOptions = Omit<BuildOptions, 'flags'> & { flag?: string[]; json?: boolean; recipeHelp?: boolean };

/** batu's recipe of that name, or the `recipe` a file exports. */
export async function findRecipe(name: string): Promise<Recipe> {
  if (recipes[name]) return recipes[name];
  if (!existsSync(name))
    throw new Error(
      `no recipe ${JSON.stringify(name)} (batu's recipes: ${Object.keys(recipes).join(', ')}; or give a file)`,
    );
  const { recipe } = (await import(pathToFileURL(resolve(name)).href)) as { recipe?: Recipe };
  if (!recipe?.make) throw new Error(`${name} exports no recipe (export const recipe = defineRecipe({ … }))`);
  return recipe;
}

function buildOptions(recipe: Recipe, { flag = [], ...options }: CliOptions): BuildOptions {
  const flags: Record<string, string> = {};
  for (const entry of flag) {
    const [key, ...value] = entry.split('=');
    if (!recipe.flags?.[key] || !value.length)
      throw new Error(
        `bad --flag ${JSON.stringify(entry)}: ${recipe.name} takes ${
          Object.keys(recipe.flags ?? {})
            .map((f) => `${f}=…`)
            .join(', ') || 'no flags'
        }`,
      );
    flags[key] = value.join('=');
  }
  return { ...options, flags };
}

/** Realise a recipe (batu's by name, or a file) and return its store path (its progress goes to stderr). */
export async function realiseRecipe(name: string, options: BuildOptions): Promise<string> {
  return (await buildRecipe(await findRecipe(name), options)).path;
}
