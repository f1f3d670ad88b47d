// batu store roots: the gc roots.
import { listRoots, openStore } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const rootsCommand = () =>
  command('roots', 'gc roots (<store>/.roots)')
    .addOption(jsonOption())
    .action(async (options: Options) => {
      const roots = Object.fromEntries(await listRoots(openStore(options.store)));
      output(options, roots, () =>
        Object.entries(roots)
          .map(([n, p]) => `${n} -> ${p}`)
          .join('\n'),
      );
    });
