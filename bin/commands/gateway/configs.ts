// batu gateway configs FILE --out DIR: the configurations of the gateway's Debian daemons
// (fastd, kea, radvd, nftables), written to DIR for a look or for units that run them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { daemonConfigs, loadGateway, planOf } from '../../../lib/gateway/index.ts';
import { runDirOption, stateDirOption } from './places.ts';

export const configsCommand = () =>
  new Command('configs')
    .description("write the configurations of the gateway's daemons (fastd, kea, radvd, nftables) to a directory")
    .argument('<file>', 'the gateway file (YAML or JSON)')
    .requiredOption('--out <dir>', 'where to write them')
    .addOption(runDirOption('sockets and run-time files, as the daemons will see them'))
    .addOption(stateDirOption())
    .action(async (file: string, options: { out: string; runDir: string; stateDir: string }) => {
      const { gateway } = await loadGateway(file);
      const configs = await daemonConfigs(gateway, planOf(gateway), options);
      await mkdir(options.out, { recursive: true });
      for (const config of configs) {
        await writeFile(join(options.out, config.name), config.content, { mode: config.mode });
        process.stdout.write(`${join(options.out, config.name)} (${config.daemon})\n`);
      }
    });
