// batu store ls: the valid paths in the store.
import { listPaths, openStore } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const lsCommand = () =>
  command('ls', 'valid paths in the store')
    .addOption(jsonOption())
    .action(async (options: Options) => {
      const paths = await listPaths(openStore(options.store));
      output(options, paths, () => paths.join('\n'));
    });
