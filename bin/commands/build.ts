// batu build RECIPE: realise one of batu's recipes (or a recipe file) and print its store path.
import { openStore } from '../../lib/derivations/index.ts';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { jsonOption, storeOption, type Register } from './common.ts';

const recipesDir = fileURLToPath(new URL('../../recipes/', import.meta.url));
/** .ts in a checkout run by tsx, .js in an installed package. */
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const known = () =>
  readdirSync(recipesDir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !['index', 'pins'].includes(f.slice(0, -ext.length)))
    .map((f) => f.slice(0, -ext.length));

export const register: Register = (program) =>
  program
    .command('build')
    .description("realise a recipe (batu's own by name, or a recipe file) and print its store path")
    .argument('<recipe>', `one of batu's recipes (${known().join(', ')}) or a path to a recipe file`)
    .option('--variant <name>', 'a variant the recipe offers (e.g. linux-v15: 6.1, headers)')
    .option('--dry-run', 'print the store path, build nothing')
    .addOption(jsonOption())
    .addOption(storeOption())
    .option(
      '--substituters <urls>',
      'binary caches to ask before building (default: BATU_SUBSTITUTERS, the store config)',
    )
    .option('--trusted-keys <keys>', 'keys whose signatures count (NAME:base64 or .pub files)')
    .option('--no-substitute', 'ask no binary cache: build what is missing')
    .action(async (recipe: string, options: BuildOptions) => {
      const run = await runRecipeFile(recipe, options, 'inherit');
      process.exitCode = run.exitCode ?? 1;
    });

type BuildOptions = {
  variant?: string;
  dryRun?: boolean;
  json?: boolean;
  store?: string;
  substituters?: string;
  trustedKeys?: string;
  substitute?: boolean;
};

/** Run a recipe (batu's by name, or a file): it realises itself when run (runRecipe). */
function runRecipeFile(recipe: string, options: BuildOptions, stdout: 'inherit' | 'pipe') {
  const file = existsSync(recipe) ? resolve(recipe) : `${recipesDir}${recipe}${ext}`;
  if (!existsSync(file))
    throw new Error(`no recipe ${JSON.stringify(recipe)} (batu's recipes: ${known().join(', ')}; or give a file)`);
  // A TypeScript recipe needs tsx's loader.
  const loader = file.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const args = [
    '--store',
    openStore(options.store).dir,
    ...(options.variant ? ['--variant', options.variant] : []),
    ...(options.json ? ['--json'] : []),
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.substituters ? ['--substituters', options.substituters] : []),
    ...(options.trustedKeys ? ['--trusted-keys', options.trustedKeys] : []),
    ...(options.substitute === false ? ['--no-substitute'] : []),
  ];
  return execa(process.execPath, [...loader, file, ...args], { stdio: ['ignore', stdout, 'inherit'], reject: false });
}

/** Realise a recipe and return its store path (its progress goes to stderr). */
export async function realiseRecipe(recipe: string, options: BuildOptions): Promise<string> {
  const run = await runRecipeFile(recipe, { ...options, json: true }, 'pipe');
  if (run.exitCode !== 0) throw new Error(`realising the recipe ${recipe} failed (exit ${run.exitCode})`);
  return (JSON.parse(String(run.stdout).trim().split('\n').pop()!) as { path: string }).path;
}
