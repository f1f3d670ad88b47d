// batu store repair: rebuild or re-fetch damaged paths.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { repair } from '../../../lib/derivations/index.ts';
import { builtins } from './shared.ts';

export const repairCommand = () =>
  new Command('repair')
    .description('rebuild or re-fetch damaged paths (verify names them)')
    .argument('<path...>')
    .action(async (paths: string[]) => {
      for (const path of paths.map((p) => resolve(p))) {
        const { was } = await repair(path, { builtins: await builtins() });
        console.log(`repaired ${path} (was: ${was.slice(0, 5).join('; ') || 'intact'})`);
      }
    });
