// batu start SPEC.json: `run` in the background; prints the ready JSON once the node is up.
import { openStore } from '../../lib/derivations/index.ts';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runRoot } from '../../lib/runner/index.ts';
import { kernelAndImage, startDetached, storeOption, type Register } from './common.ts';
import { readSpec, type RunOptions } from './run.ts';

export const register: Register = (program) =>
  program
    .command('start')
    .description('start a node in the background (batu stop UMID ends it); prints its ready JSON')
    .argument('<spec>', 'a node spec (JSON)')
    .option('--netns <name>', 'an existing network namespace to run in (default: a new one, removed after)')
    .addOption(storeOption())
    .action(async (file: string, options: RunOptions) => {
      const input = await readSpec(file);
      // Built here, with progress on this terminal; the background run finds them ready.
      await kernelAndImage(openStore(options.store), input);
      await mkdir(join(runRoot, 'start'), { recursive: true });
      const args = [
        'run',
        resolve(file),
        '--store',
        openStore(options.store).dir,
        ...(options.netns ? ['--netns', options.netns] : []),
      ];
      const text = await startDetached(args, join(runRoot, 'start', `${process.pid}.log`), /^\{/m, 60_000);
      console.log(text.split('\n').find((l) => l.startsWith('{')));
    });
