// batu store repair: rebuild or re-fetch damaged paths.
import { repair } from '../../../lib/derivations/index.ts';
import { builtins, pathsCommand } from './shared.ts';

export const repairCommand = () =>
  pathsCommand('repair', 'rebuild or re-fetch damaged paths (verify names them)', async (path) => {
    const { was } = await repair(path, { builtins: await builtins() });
    return `repaired ${path} (was: ${was.slice(0, 5).join('; ') || 'intact'})`;
  });
