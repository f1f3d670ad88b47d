// batu store delete: remove paths nothing references.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { deletePath } from '../../../lib/derivations/index.ts';

export const deleteCommand = () =>
  new Command('delete')
    .description('remove paths nothing references')
    .argument('<path...>')
    .action(async (paths: string[]) => {
      for (const path of paths.map((p) => resolve(p))) {
        await deletePath(path);
        console.log(`deleted ${path}`);
      }
    });
