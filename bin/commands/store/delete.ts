// batu store delete: remove paths nothing references.
import { deletePath } from '../../../lib/derivations/index.ts';
import { pathsCommand } from './shared.ts';

export const deleteCommand = () =>
  pathsCommand('delete', 'remove paths nothing references', async (path) => {
    await deletePath(path);
    return `deleted ${path}`;
  });
