// batu store push: sign a closure and upload it to a binary cache.
import { openStore, push, readSecretKey, stderrReporter } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, pathsOrRecipes, type Options } from './shared.ts';

export const pushCommand = () =>
  command('push', 'sign the closure of PATHs (or of RECIPEs, realised) and upload it to a binary cache')
    .argument('<cache>', 'file:///dir or http(s)://server/dir (written by HTTP PUT)')
    .argument('<path-or-recipe...>')
    .requiredOption('--key <file>', 'the secret key to sign with (batu store keygen)')
    .option(
      '--build-closure',
      'also push what built them: intermediate builds and sources (.debs), which outlive the archive then',
    )
    .option('--force', 'upload paths the cache has already')
    .addOption(jsonOption())
    .action(
      async (
        cache: string,
        items: string[],
        options: Options & { key: string; force?: boolean; buildClosure?: boolean },
      ) => {
        const key = readSecretKey(options.key);
        const paths = await pathsOrRecipes(items, openStore(options.store));
        const result = await push(cache, paths, {
          key,
          force: options.force,
          buildClosure: options.buildClosure,
          report: stderrReporter,
        });
        output(
          options,
          result,
          () => `pushed ${result.pushed.length} paths, ${result.present.length} were there already`,
        );
      },
    );
