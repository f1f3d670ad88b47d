// batu store config: the store's binary caches and trusted keys.
import { openStore, readStoreConfig, splitList, writeStoreConfig } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const configCommand = () =>
  command('config', "show or set the store's binary caches and trusted keys")
    .option(
      '--substituters <urls>',
      'binary caches realise asks before building (space or comma separated; "" for none)',
    )
    .option('--trusted-keys <keys>', 'public keys (NAME:base64 or .pub files) whose signatures count')
    .addOption(jsonOption())
    .action(async (options: Options & { substituters?: string; trustedKeys?: string }) => {
      const store = openStore(options.store);
      const config =
        options.substituters === undefined && options.trustedKeys === undefined
          ? await readStoreConfig(store)
          : await writeStoreConfig(store, {
              ...(options.substituters !== undefined && { substituters: splitList(options.substituters) }),
              ...(options.trustedKeys !== undefined && { trustedKeys: splitList(options.trustedKeys) }),
            });
      output(options, config, () =>
        [
          `substituters: ${config.substituters.join(' ') || 'none'}`,
          `trusted keys: ${config.trustedKeys.join(' ') || 'none'}`,
        ].join('\n'),
      );
    });
