// batu store challenge: this machine's builds against a cache's, file by file.
import { cacheSettings, challenge, listPaths, openStore, referenceClosure } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, trustedKeysOption, pathsOrRecipes, type Options } from './shared.ts';

export const challengeCommand = () =>
  command('challenge', "compare this machine's builds with a cache's, file by file (exit 1 when one differs)")
    .argument('<cache>')
    .argument(
      '[path-or-recipe...]',
      'store paths, or recipes built here without substitutes (default: every path here)',
    )
    .addOption(trustedKeysOption())
    .addOption(jsonOption())
    .action(async (cache: string, items: string[], options: Options & { trustedKeys?: string }) => {
      const store = openStore(options.store);
      const paths = items.length
        ? await referenceClosure(await pathsOrRecipes(items, store, { substitute: false }))
        : await listPaths(store);
      const { trustedKeys } = await cacheSettings(store, { trustedKeys: options.trustedKeys });
      const results = await challenge(cache, paths, { trustedKeys });
      output(options, results, () =>
        results
          .map(
            (r) =>
              `${r.path}: ${r.verdict}${r.signature ? ` (${r.signature})` : ''}${r.differences.map((d) => `\n  ${d}`).join('')}`,
          )
          .join('\n'),
      );
      if (results.some((r) => r.verdict === 'differs')) process.exitCode = 1;
    });
