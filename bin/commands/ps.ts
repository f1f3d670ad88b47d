// batu ps: the nodes running on this host.
import { listNodes } from '../../lib/runner/index.ts';
import { jsonOption, output, type Register } from './common.ts';

export const register: Register = (program) =>
  program
    .command('ps')
    .description('running nodes')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      const nodes = await listNodes();
      output(
        options,
        nodes.map(({ umid, pid, netns, serviceIp }) => ({ umid, pid, netns: netns?.name, serviceIp })),
        () =>
          nodes
            .map(
              (n) =>
                `${n.umid.padEnd(24)} pid ${String(n.pid).padEnd(8)} netns ${n.netns?.name ?? '-'}  ${n.serviceIp ?? ''}`,
            )
            .join('\n') || 'no nodes running',
      );
    });
