// batu stop UMID: power a node off as a user would: ctrl-alt-del, then halt, then SIGKILL.
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../lib/derivations/index.ts';
import { mconsole, mconsoleSocket } from '../../lib/runner/index.ts';
import { findNode, type Register } from './common.ts';

export const register: Register = (program) => program.command('stop')
  .description('power a node off: ctrl-alt-del; after 5 s halt; after 2 s more SIGKILL')
  .argument('<umid>')
  .action(async (umid: string) => {
    const node = await findNode(umid);
    const socket = mconsoleSocket(node.umlDir, node.umid);
    const waitGone = async (ms: number) => { for (let t = 0; t < ms && processAlive(node.pid); t += 100) await sleep(100); };
    for (const [request, ms] of [['cad', 5000], ['halt', 2000]] as const) {
      await mconsole(socket, request, { netnsPrefix: node.netns?.prefix }).catch(() => {});
      await waitGone(ms);
      if (!processAlive(node.pid)) return console.log(`stopped ${node.umid}`);
    }
    process.kill(-node.pid, 'SIGKILL');
    console.log(`stopped ${node.umid} (killed: it did not power off)`);
  });
