// batu mesh ls: the meshes running on this host.
import { Command } from 'commander';
import { listMeshes } from '../../../lib/mesh/index.ts';
import { jsonOption, output } from '../common.ts';

export const lsCommand = () =>
  new Command('ls')
    .description('meshes running on this host')
    .addOption(jsonOption())
    .action(async (options: { json?: boolean }) => {
      const meshes = await listMeshes();
      output(
        options,
        meshes,
        () =>
          meshes
            .map(
              (m) =>
                `${m.name.padEnd(16)} pid ${String(m.pid).padEnd(8)} ${m.backend.padEnd(10)} ${m.nodes.length} nodes`,
            )
            .join('\n') || 'no meshes running',
      );
    });
