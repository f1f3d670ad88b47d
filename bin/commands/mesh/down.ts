// batu mesh down: stop a mesh, and wait until its process has cleaned up.
import { meshDown } from '../../../lib/mesh/index.ts';
import { meshCommand, meshName } from './shared.ts';

export const downCommand = () =>
  meshCommand('down', 'stop every node and remove everything the mesh made').action(
    async (options: { name?: string }) => {
      const name = await meshName(options);
      const how = await meshDown(name);
      console.log(how === 'stopped' ? `mesh ${name} is down` : `mesh ${name} was killed; what it left is removed`);
    },
  );
