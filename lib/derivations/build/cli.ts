// What running a recipe file does (`npx tsx recipes/x.ts`): realise its derivation and
// print the store path as the last line of stdout, like nix-build.
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realise } from './realise.ts';
import { storePath } from '../model/evaluate.ts';
import { openStore } from '../store/store.ts';
import { silentReporter, stderrReporter } from './progress.ts';
import type { Input } from '../model/schema.ts';

export const recipeUsage =
  'options: --dry-run (print the path, build nothing) --json (one JSON object) --store DIR --quiet\n' +
  '  --substituters URLS (binary caches to ask first) --trusted-keys KEYS --no-substitute';

/**
 * Call as `await runRecipe(import.meta, drv)` at the end of a recipe: does nothing when
 * the recipe is imported, realises when the file is run. `pick` lets flags choose a variant.
 */
export async function runRecipe(
  meta: ImportMeta,
  target: Input | ((flags: Record<string, string | boolean | undefined>) => Input | Promise<Input>),
  /** String flags of the recipe's own and what they take, e.g. { 'source-sha256': 'SHA256 the tree to build' }. */
  recipeFlags: Record<string, string> = {},
): Promise<void> {
  if (process.argv[1] !== fileURLToPath(meta.url)) return;
  try {
    const { values } = parseArgs({
      options: {
        ...Object.fromEntries(Object.keys(recipeFlags).map((flag) => [flag, { type: 'string' as const }])),
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
    if (values.help) {
      const own = Object.entries(recipeFlags).map(([flag, what]) => `\n  --${flag} ${what}`);
      console.log(
        `usage: ${process.argv[1]} [--variant NAME] ${recipeUsage}${own.length ? `\nits own:${own.join('')}` : ''}`,
      );
      return;
    }
    const input = typeof target === 'function' ? await target(values) : target;
    const store = openStore(values.store);
    const name = 'name' in input ? input.name : input.package;
    const version = 'version' in input ? input.version : undefined;
    if (values['dry-run']) {
      const path = await storePath(input, store);
      console.log(values.json ? JSON.stringify({ name, version, path, built: [], reused: [], dryRun: true }) : path);
      return;
    }
    const root = `recipe-${basename(process.argv[1]).replace(/\.[jt]s$/, '')}${values.variant ? `-${values.variant}` : ''}`;
    const result = await realise(input, {
      store,
      root,
      report: values.quiet ? silentReporter : stderrReporter,
      substituters: values.substituters as string | undefined,
      trustedKeys: values['trusted-keys'] as string | undefined,
      substitute: !values['no-substitute'],
    });
    console.log(values.json ? JSON.stringify({ name, version, ...result }) : result.path);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
