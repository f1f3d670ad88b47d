// batu store gc: remove what no root (nor running process) references.
import { gc, openStore } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const gcCommand = () =>
  command('gc', 'remove paths no root (nor running process) references')
    .addOption(jsonOption())
    .action(async (options: Options) => {
      const { removed, kept } = await gc({ store: openStore(options.store) });
      output(
        options,
        { removed, kept },
        () => `kept ${kept.length} paths, removed ${removed.length}${removed.map((p) => `\n  ${p}`).join('')}`,
      );
    });
