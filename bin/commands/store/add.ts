// batu store add: a file or tree into the store as a fixed-output path.
import { add, openStore } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const addCommand = () =>
  command('add', 'put a file (or a tree) into the store and print its sha256; a .deb lands where its pin looks')
    .argument('<file>', 'a file or directory')
    .option('--name <name>', 'its name in the store')
    .option('--unpack', 'unpack a tarball into a tree (the default for *.tar*, *.tgz)')
    .option('--no-unpack', 'keep a tarball as the file it is (a download a recipe pins by URL)')
    .addOption(jsonOption())
    .action(async (file: string, options: Options & { name?: string; unpack?: boolean }) => {
      const added = await add(file, {
        store: openStore(options.store),
        name: options.name,
        unpack: options.unpack,
      });
      const { source } = added;
      const use =
        source.type === 'deb'
          ? `it satisfies the pin ${source.package} ${source.version} (${source.arch}) by its hash`
          : source.type === 'tree'
            ? `pin it in a recipe as: tree({ name: '${added.name}', sha256: '${added.sha256}' })`
            : `pin it in a recipe as: url({ url: '<where it came from>', name: '${added.name}', sha256: '${added.sha256}' })`;
      output(options, added, () => `${added.path}\nsha256 ${added.sha256}\n${use}`);
    });
