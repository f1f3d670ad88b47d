// batu store verify: every path re-hashed against its manifest.
import { openStore, verify } from '../../../lib/derivations/index.ts';
import { jsonOption, output } from '../common.ts';
import { command, type Options } from './shared.ts';

export const verifyCommand = () =>
  command('verify', 're-hash every path against its manifest (exit 1 on a mismatch)')
    .addOption(jsonOption())
    .action(async (options: Options) => {
      const bad = await verify({ store: openStore(options.store) });
      output(options, { ok: bad.length === 0, problems: bad }, () =>
        bad.length === 0
          ? 'all paths match their manifests'
          : bad.map((b) => `${b.path}:\n  ${b.problems.join('\n  ')}`).join('\n'),
      );
      if (bad.length) process.exitCode = 1;
    });
