// batu gateway net up|down FILE: the gateway's host side alone (systemd's net unit): the
// directories, nftables, forwarding and the bridges; down removes them from the file alone.
import { Command } from 'commander';
import { hostNetworkDown, hostNetworkUp, planOf, readGateway } from '../../../lib/gateway/index.ts';
import { runDirOption, stateDirOption } from './places.ts';

export const netCommand = () => {
  const net = new Command('net').description("the gateway's host side alone (for systemd's units)");
  net.addCommand(
    new Command('up')
      .description('make the directories, the nftables table, forwarding and the bridges')
      .argument('<file>', 'the gateway file')
      .addOption(runDirOption('sockets and run-time files'))
      .addOption(stateDirOption())
      .option('--kea-user <user>', "the user kea runs as (Debian's unit: _kea); it owns kea's directories")
      .action(async (file: string, options: { runDir: string; stateDir: string; keaUser?: string }) => {
        const { gateway } = await readGateway(file);
        await hostNetworkUp(gateway, planOf(gateway), options);
        console.log(`gateway net up: ${gateway.domains.map((d) => d.name).join(', ')}`);
      }),
  );
  net.addCommand(
    new Command('down')
      .description('remove what net up made (what is not there is skipped)')
      .argument('<file>', 'the gateway file')
      .action(async (file: string) => {
        const { gateway } = await readGateway(file);
        await hostNetworkDown(gateway, planOf(gateway));
      }),
  );
  return net;
};
