// batu store import: such a stream into the store, all of it or nothing.
import { cacheSettings, importClosure, openStore } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, trustedKeysOption, type Options } from './shared.ts';

export const importCommand = () =>
  command(
    'import',
    'read such a stream from stdin into the store: all of it, checked and signed by a trusted key, or nothing',
  )
    .addOption(trustedKeysOption())
    .option(
      '--unsigned',
      'accept paths no trusted key signed (their files are still checked against their manifests)',
    )
    .addOption(jsonOption())
    .action(async (options: Options & { trustedKeys?: string; unsigned?: boolean }) => {
      const store = openStore(options.store);
      const { trustedKeys } = await cacheSettings(store, { trustedKeys: options.trustedKeys });
      if (options.unsigned)
        process.stderr.write(
          'importing without checking signatures: anyone who could change the stream could change its paths\n',
        );
      const imported = await importClosure(process.stdin, { store, trustedKeys, unsigned: options.unsigned });
      output(options, imported, () => imported.join('\n'));
    });
