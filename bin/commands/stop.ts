// batu stop UMID: power a node off as UmlNode.stop does (lib/runner/power.ts).
import { powerOffRunning } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('stop')
    .description('power a node off: ctrl-alt-del; after 5 s halt; after 3 s more SIGTERM; after 2 s more SIGKILL')
    .argument('<umid>')
    .action(async (umid: string) => {
      const node = await findNode(umid);
      const how = await powerOffRunning(node);
      console.log(`stopped ${node.umid}${how === 'killed' ? ' (killed: it did not power off)' : ''}`);
    });
